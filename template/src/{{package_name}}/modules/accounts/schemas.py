"""Request and response bodies of the auth endpoints.

Strict on input: unknown fields are an error (422), not silently dropped, so a client
that sends `is_admin` or `roles` to the login endpoint learns it at once.
"""

from __future__ import annotations

from marshmallow import fields, validate

from ...kernel import StrictSchema
from ...kernel.auth import MAX_TOKEN_LENGTH
from .passwords import MAX_LENGTH


class LoginSchema(StrictSchema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=254))
    password = fields.String(
        required=True, load_only=True, validate=validate.Length(min=1, max=MAX_LENGTH)
    )


class RefreshSchema(StrictSchema):
    refresh_token = fields.String(
        required=True, load_only=True, validate=validate.Length(min=1, max=MAX_TOKEN_LENGTH)
    )


class TokenPairSchema(StrictSchema):
    access_token = fields.String(required=True)
    refresh_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"example": "Bearer"})
    #: Seconds the access token stays valid.
    expires_in = fields.Integer(required=True, strict=True)


class MeSchema(StrictSchema):
    id = fields.Integer(required=True, strict=True)
    email = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)
