"""ExpressDesk: the operations and customer-service platform of an express-delivery company."""

__version__ = "0.1.0"
