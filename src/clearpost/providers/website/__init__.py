"""The practice website's before/after gallery: static pages ClearPost writes itself."""
