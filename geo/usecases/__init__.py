"""Every change to the world: case actions, intake (single and bulk), re-cut, the escalation sweep and the
notifier, accounts and the audit log, bundles, layer publishing, revealing personal data.

May import: geo.domain, geo.db, geo.read, geo.config, geo.usecases.
"""
