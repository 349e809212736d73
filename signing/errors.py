"""Errors raised by the signing library; each carries what went wrong in words."""

from __future__ import annotations


class SigningLibraryError(Exception):
    """Base class of every error this package raises on purpose."""


class PkiError(SigningLibraryError):
    """The local development PKI cannot do what was asked (bad input, missing files)."""


class KeyStoreError(SigningLibraryError):
    """A key store (PKCS#12 file, PKCS#11 token) cannot be opened or holds no usable key."""


class WrongPassphrase(KeyStoreError):
    """The PKCS#12 file is well formed but the passphrase does not open it."""


class SignatureFieldError(SigningLibraryError):
    """A signature field cannot be used: already signed, not a signature field, bad box."""


class StampFontMissing(SigningLibraryError):
    """The TrueType font for the visible stamp is not installed."""


class TimestampError(SigningLibraryError):
    """The timestamp authority refused or could not answer a request."""
