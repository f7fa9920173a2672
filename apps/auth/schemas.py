from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, field_validator

from apps.common.validation import USERNAME_PATTERN, reject_markup

PASSWORD_SYMBOLS = "!@#$%^&*()-_=+"
_PHONE_CHARACTERS = re.compile(r"[0-9+\-() ]+")
_NAME = re.compile(r"^[^\W\d_]+(?:[ '\-]+[^\W\d_]+)*[ '\-]*$")


def _password(value: str) -> str:
    reject_markup(value)
    checks = [
        (any(c.isupper() for c in value), "an upper-case letter"),
        (any(c.islower() for c in value), "a lower-case letter"),
        (any(c.isdigit() for c in value), "a digit"),
        (any(c in PASSWORD_SYMBOLS for c in value), f"one of {PASSWORD_SYMBOLS}"),
    ]
    missing = [what for ok, what in checks if not ok]
    if missing:
        raise ValueError("password needs " + ", ".join(missing))
    return value


def _name(value: str) -> str:
    value = reject_markup(value).strip()
    if not value or not _NAME.match(value):
        raise ValueError("only letters, spaces, apostrophes and hyphens are allowed")
    return value.title()


def _phone(value: str | None) -> str | None:
    if value is None:
        return None
    if not _PHONE_CHARACTERS.fullmatch(value):
        raise ValueError("phone may hold only ASCII digits, spaces and + - ( )")
    digits = re.sub(r"[^0-9]", "", value)
    if not 10 <= len(digits) <= 15:
        raise ValueError("phone must have 10 to 15 digits")
    return digits


def _birth_date(value: date | None) -> date | None:
    if value is None:
        return None
    today = date.today()
    age = today.year - value.year - ((today.month, today.day) < (value.month, value.day))
    if not 13 <= age <= 120:
        raise ValueError("age must be between 13 and 120")
    return value


def _email(value: str) -> str:
    top_level = value.rpartition(".")[2]
    if not (len(top_level) >= 2 and top_level.isalpha()):
        raise ValueError("the domain needs a top-level domain of two or more letters")
    return reject_markup(value).lower()


Username = Annotated[str, Field(pattern=USERNAME_PATTERN), AfterValidator(str.lower)]
Password = Annotated[str, Field(min_length=12, max_length=20), AfterValidator(_password)]
Name = Annotated[str, Field(min_length=1, max_length=50), AfterValidator(_name)]
Email = Annotated[EmailStr, Field(max_length=254), AfterValidator(_email)]
Phone = Annotated[str | None, Field(max_length=32), AfterValidator(_phone)]
BirthDate = Annotated[date | None, AfterValidator(_birth_date)]


class RegisterRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    username: Username
    email: Email
    password: Password
    first_name: Name
    last_name: Name
    phone: Phone = None
    date_of_birth: BirthDate = None
    marketing_emails_consent: bool = False


class LoginRequest(BaseModel):
    username: Username
    password: Annotated[str, Field(min_length=12, max_length=20)]

    @field_validator("username", mode="before")
    @classmethod
    def _no_markup(cls, value: object) -> object:
        return reject_markup(value) if isinstance(value, str) else value


class ProfileUpdate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    email: Email | None = None
    phone: Phone = None
    first_name: Name | None = None
    last_name: Name | None = None
    date_of_birth: BirthDate = None


class Message(BaseModel):
    message: str


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class Profile(BaseModel):
    username: str
    email: str
    first_name: str
    last_name: str
    phone: str | None
    date_of_birth: date | None
    marketing_emails_consent: bool
    created_at: str
    updated_at: str


class ProfileUpdated(BaseModel):
    message: str = "Profile updated successfully"
    user: Profile
