# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Declares a blueprint whose URL prefix clashes with tests.kernel.support.failing."""

from flask import Blueprint

blueprint = Blueprint("same_prefix", __name__, url_prefix="/failing")
