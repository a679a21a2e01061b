"""Huimin (惠民): a civil-affairs service platform."""
