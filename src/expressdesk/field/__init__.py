"""Screens for couriers and operations staff on a handheld: the same services the devices call."""
