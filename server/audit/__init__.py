"""The audit trail (全过程留痕): an append-only, hash-chained record of every state change."""
