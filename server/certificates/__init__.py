"""Residence certificates (居住证明): requested on the phone, issued at any community counter of the
city with the seal of the community of residence, signed (PAdES) and verifiable by QR code, online
and offline."""
