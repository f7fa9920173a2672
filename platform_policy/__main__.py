"""The policy pack's program: ``pulumi preview --policy-pack platform_policy`` runs it next to the stack."""

from pulumi_policy import EnforcementLevel, PolicyPack

from platform_policy.pack import PACK_NAME, policies

PolicyPack(name=PACK_NAME, enforcement_level=EnforcementLevel.MANDATORY, policies=policies())
