"""The rules of ``rules.py`` as a pulumi-policy pack: every policy mandatory."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from platform_policy.rules import CHECKS, Check, Resource

PACK_NAME = "cnop-platform"


def _validation(check: Check) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        props = args.props if isinstance(args.props, Mapping) else {}
        protect = bool(getattr(args.opts, "protect", False))
        for violation in check(Resource(args.resource_type, props, protect)):
            report_violation(violation, args.urn)

    return validate


def policies() -> list[Policy]:
    return [
        ResourceValidationPolicy(name=name, description=description, validate=_validation(check),
                                 enforcement_level=EnforcementLevel.MANDATORY)
        for name, (description, check) in CHECKS.items()
    ]
