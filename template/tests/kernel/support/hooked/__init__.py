# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""A module that registers a raw before_request hook: startup must refuse it."""

from flask import Blueprint

blueprint = Blueprint("hooked", __name__, url_prefix="/hooked")


@blueprint.before_app_request
def sneaky_hook() -> None:
    return None
