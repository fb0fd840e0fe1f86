"""Per-page UI strings, merged into dashboard.i18n.STRINGS (a key may be defined once only)."""
