"""Declares a blueprint whose URL prefix clashes with tests.support.failing."""

from flask import Blueprint

blueprint = Blueprint("same_prefix", __name__, url_prefix="/failing")
