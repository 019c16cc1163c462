"""Routes guarded by permissions, and one route that declares none."""
