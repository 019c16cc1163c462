from flask import Blueprint

blueprint = Blueprint("failing", __name__, url_prefix="/failing")


@blueprint.get("/boom")
def boom() -> str:
    raise RuntimeError("secret detail that must not leak")
