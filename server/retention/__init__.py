"""Keeping less: the retention table (rules.py), its enforcement (service.py), and the encrypted
backup and restore of the whole service (backup_service.py)."""
