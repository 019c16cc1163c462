"""Your domain modules, one package each; list them in settings.INSTALLED_MODULES."""
