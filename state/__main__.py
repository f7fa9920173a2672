"""The state backend's program (``make state-backend``): the bucket and key, their names exported."""

import pulumi
from cnop_platform.state_backend import StateBackend, StateBackendArgs

backend = StateBackend("state", StateBackendArgs(tags={"Project": "cnop", "Environment": "shared",
                                                       "ManagedBy": "pulumi"}))
region = pulumi.Config("aws").require("region")
pulumi.export("backendUrl", pulumi.Output.format("s3://{0}?region={1}&awssdk=v2", backend.bucket_name, region))
pulumi.export("secretsProvider", f"awskms://{backend.key_alias}?region={region}")
