"""The shipper portal: a shipper's users see and do everything about their own account."""
