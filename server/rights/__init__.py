"""The citizen's rights over their personal information (PIPL articles 24, 44-50): see and download
what the platform holds and who looked at it, ask for a correction, deletion, copy or explanation
(a tracked task with a legal deadline), and cancel the account."""
