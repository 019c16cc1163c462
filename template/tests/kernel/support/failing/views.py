# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
from flask import Blueprint

from .permissions import public

blueprint = Blueprint("failing", __name__, url_prefix="/failing")


@blueprint.get("/boom")
@public
def boom() -> str:
    raise RuntimeError("secret detail that must not leak")
