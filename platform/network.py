"""Network: a VPC with a public and a private subnet per availability zone, NAT and a DynamoDB endpoint."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True, kw_only=True)
class NetworkArgs:
    region: str
    """AWS region; names the DynamoDB gateway endpoint."""
    availability_zones: Sequence[str]
    """One public and one private subnet is made in each of these zones."""
    cidr_block: str
    """The VPC's range; split into /20 subnets (``subnet_blocks``)."""
    nat_gateway_per_zone: bool = False
    """One NAT gateway per zone (zone-failure tolerant) instead of one shared."""
    discovery_tag: str | None = None
    """``karpenter.sh/discovery`` value put on the private subnets, where Karpenter launches nodes."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags put on every AWS resource."""


def subnet_blocks(cidr_block: str, zone_count: int) -> list[ipaddress.IPv4Network]:
    """The VPC range's /20 blocks: the first ``zone_count`` private, the next public; too small a range is refused."""
    network = ipaddress.IPv4Network(cidr_block)
    blocks = list(network.subnets(new_prefix=20)) if network.prefixlen <= 20 else []
    if len(blocks) < 2 * zone_count:
        raise ValueError(f"{cidr_block} is too small for {zone_count} zones of /20 subnets")
    return blocks


class Network(pulumi.ComponentResource):
    vpc_id: pulumi.Output[str]
    private_subnet_ids: pulumi.Output[list[str]]
    public_subnet_ids: pulumi.Output[list[str]]
    private_cidrs: list[str]
    """The nodes' and pods' subnets (the VPC CNI gives pods addresses there): where Redis is reached from."""
    public_cidrs: list[str]
    """The load balancers' subnets: the only addresses the gateway believes ``X-Forwarded-For`` from."""

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cnop:platform:Network", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(args.tags)
        zones = list(args.availability_zones)
        blocks = subnet_blocks(args.cidr_block, len(zones))
        vpc = aws.ec2.Vpc(f"{name}-vpc", cidr_block=args.cidr_block, enable_dns_hostnames=True,
                          enable_dns_support=True, tags={**tags, "Name": f"{name}-vpc"}, opts=child)

        gateway = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, tags=tags, opts=child)
        public_routes = aws.ec2.RouteTable(
            f"{name}-public", vpc_id=vpc.id, tags=tags, opts=child,
            routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", gateway_id=gateway.id)],
        )
        public: list[aws.ec2.Subnet] = []
        private: list[aws.ec2.Subnet] = []
        for index, zone in enumerate(zones):
            public.append(aws.ec2.Subnet(
                f"{name}-public-{zone}", vpc_id=vpc.id, availability_zone=zone,
                cidr_block=str(blocks[len(zones) + index]), map_public_ip_on_launch=False,
                tags={**tags, "Name": f"{name}-public-{zone}", "kubernetes.io/role/elb": "1"}, opts=child,
            ))
            aws.ec2.RouteTableAssociation(f"{name}-public-{zone}", subnet_id=public[-1].id,
                                          route_table_id=public_routes.id, opts=child)
            private.append(aws.ec2.Subnet(
                f"{name}-private-{zone}", vpc_id=vpc.id, availability_zone=zone, cidr_block=str(blocks[index]),
                tags={**tags, "Name": f"{name}-private-{zone}", "kubernetes.io/role/internal-elb": "1",
                      **({"karpenter.sh/discovery": args.discovery_tag} if args.discovery_tag else {})}, opts=child,
            ))

        nat_zones = zones if args.nat_gateway_per_zone else zones[:1]
        nats = []
        for index, zone in enumerate(nat_zones):
            address = aws.ec2.Eip(f"{name}-nat-{zone}", domain="vpc", tags=tags, opts=child)
            nats.append(aws.ec2.NatGateway(f"{name}-nat-{zone}", allocation_id=address.id,
                                           subnet_id=public[index].id, tags=tags, opts=child))
        private_route_tables = []
        for index, zone in enumerate(zones):
            nat = nats[index] if args.nat_gateway_per_zone else nats[0]
            table = aws.ec2.RouteTable(
                f"{name}-private-{zone}", vpc_id=vpc.id, tags=tags, opts=child,
                routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", nat_gateway_id=nat.id)],
            )
            private_route_tables.append(table.id)
            aws.ec2.RouteTableAssociation(f"{name}-private-{zone}", subnet_id=private[index].id,
                                          route_table_id=table.id, opts=child)
        # DynamoDB traffic from the private subnets stays on AWS's network and costs no NAT processing.
        aws.ec2.VpcEndpoint(f"{name}-dynamodb", vpc_id=vpc.id, service_name=f"com.amazonaws.{args.region}.dynamodb",
                            vpc_endpoint_type="Gateway", route_table_ids=private_route_tables, tags=tags, opts=child)

        self.vpc_id = vpc.id
        self.private_cidrs = [str(block) for block in blocks[:len(zones)]]
        self.public_cidrs = [str(block) for block in blocks[len(zones):2 * len(zones)]]
        self.private_subnet_ids = pulumi.Output.all(*[subnet.id for subnet in private])
        self.public_subnet_ids = pulumi.Output.all(*[subnet.id for subnet in public])
        self.register_outputs({"vpc_id": self.vpc_id, "private_subnet_ids": self.private_subnet_ids,
                               "public_subnet_ids": self.public_subnet_ids})
