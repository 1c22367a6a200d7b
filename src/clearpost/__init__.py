"""ClearPost: compliant patient-content posting for aesthetic and plastic-surgery practices."""

__version__ = "0.1.0"
