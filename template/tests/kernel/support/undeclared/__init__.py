# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""A route without a permission: startup must refuse it."""

from flask import Blueprint

blueprint = Blueprint("undeclared", __name__, url_prefix="/undeclared")


@blueprint.route("/things", methods=["GET", "DELETE"])
def things() -> str:
    return "should never be served"
