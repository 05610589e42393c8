"""ElastiCache calls moto 5.2.5 lacks, added by subclassing its backend and
response classes: cache parameter groups, deleting and modifying cache subnet
groups, the references a replication group holds, its member clusters, and
the end of its deletion.

Names, fields and error codes follow the ElastiCache API reference; messages
follow what AWS answers where that is known.
"""

import re
from collections.abc import Callable
from types import ModuleType
from typing import Any, TypeVar, cast

from moto.core.responses import ActionResult, EmptyResult
from moto.elasticache import models, responses, urls
from moto.elasticache.exceptions import (
    CacheSubnetGroupNotFound,
    ElastiCacheException,
    InvalidParameterCombinationException,
    InvalidParameterValueException,
    ReplicationGroupNotFound,
)
from moto.utilities.utils import get_partition

from cache_parameters import FAMILIES, Parameter, allows

T = TypeVar("T")


class CacheParameterGroupNotFound(ElastiCacheException):
    code = "CacheParameterGroupNotFound"

    def __init__(self, name: str):
        super().__init__(f"CacheParameterGroup not found: {name}")


class CacheParameterGroupAlreadyExists(ElastiCacheException):
    code = "CacheParameterGroupAlreadyExists"

    def __init__(self, name: str):
        super().__init__(f"Cache parameter group {name} already exists.")


class InvalidCacheParameterGroupState(ElastiCacheException):
    code = "InvalidCacheParameterGroupState"


class CacheSubnetGroupInUse(ElastiCacheException):
    code = "CacheSubnetGroupInUse"

    def __init__(self, name: str):
        super().__init__(f"Cache subnet group {name} is currently in use by a cache cluster.")


class NoOperationFault(ElastiCacheException):
    code = "NoOperationFault"


class CacheParameterGroup:
    """A cache parameter group; values holds the parameters a user changed."""

    def __init__(
        self,
        account_id: str,
        region: str,
        name: str,
        family: str,
        description: str,
        is_default: bool = False,
    ):
        self.cache_parameter_group_name = name
        self.cache_parameter_group_family = family
        self.description = description
        self.is_global = False
        partition = get_partition(region)
        self.arn = f"arn:{partition}:elasticache:{region}:{account_id}:parametergroup:{name}"
        self.is_default = is_default
        self.values: dict[str, str] = {}

    def describe(self, param: Parameter) -> dict[str, Any]:
        user = param.name in self.values
        return {
            "ParameterName": param.name,
            "ParameterValue": self.values[param.name] if user else param.default,
            "Description": param.description,
            "Source": "user" if user else "system",
            "DataType": param.data_type,
            "AllowedValues": param.allowed,
            "IsModifiable": param.modifiable,
            "ChangeType": param.change_type,
        }


class MemberCluster:
    """A node of a replication group as DescribeCacheClusters shows it, where
    AWS reports the node's parameter group, security groups and maintenance
    window. moto keeps no cache clusters for replication groups; this view is
    built from the group on each read."""

    def __init__(
        self, group: models.ReplicationGroup, member: dict[str, Any], account_id: str, region: str
    ):
        family = engine_family(group.engine, group.engine_version)
        parameter_group = group.cache_parameter_group_name
        if not parameter_group and family in FAMILIES:
            parameter_group = f"default.{family}"  # as AWS picks when none is given
        self.cache_cluster_id = member["cache_cluster_id"]
        self.arn = (
            f"arn:{get_partition(region)}:elasticache:{region}:{account_id}"
            f":cluster:{self.cache_cluster_id}"
        )
        self.replication_group_id = group.replication_group_id
        self.cache_cluster_status = group.status
        self.cache_cluster_create_time = group.replication_group_create_time
        self.engine = group.engine
        self.engine_version = group.engine_version
        self.cache_node_type = group.cache_node_type
        self.num_cache_nodes = 1
        self.preferred_availability_zone = member.get("preferred_availability_zone")
        self.preferred_maintenance_window = group.preferred_maintenance_window
        self.cache_subnet_group_name = group.cache_subnet_group_name
        self.cache_parameter_group = (
            {"CacheParameterGroupName": parameter_group, "ParameterApplyStatus": "in-sync"}
            if parameter_group
            else None
        )
        self.security_groups = [
            {"SecurityGroupId": i, "Status": "active"} for i in group.security_group_ids or []
        ]
        self.snapshot_retention_limit = group.snapshot_retention_limit
        self.snapshot_window = group.snapshot_window
        self.auth_token_enabled = group.auth_token_enabled
        self.transit_encryption_enabled = group.transit_encryption_enabled
        self.at_rest_encryption_enabled = group.at_rest_encryption_enabled


def engine_family(engine: str | None, version: str | None) -> str | None:
    """The parameter group family an engine version needs, as AWS pairs them."""
    if not version:
        return None
    major, _, rest = version.partition(".")
    if engine == "valkey":
        return f"valkey{major}"
    if major == "6":
        return "redis6.x"
    if major.isdigit() and int(major) >= 7:
        return "redis7"
    return f"redis{major}.{rest.partition('.')[0]}"


class ElastiCacheBackend(models.ElastiCacheBackend):
    def __init__(self, region_name: str, account_id: str):
        super().__init__(region_name, account_id)
        # moto's pattern plus parametergroup, so ListTagsForResource takes their ARNs.
        self.arn_regex = re.compile(
            r"^arn:aws:elasticache:.*:[0-9]*:"
            r"(cluster|snapshot|subnetgroup|replicationgroup|user|parametergroup):.*$"
        )
        # Every account has a default group per family.
        self.cache_parameter_groups: dict[str, CacheParameterGroup] = {}
        for family in FAMILIES:
            name = f"default.{family}"
            description = f"Default parameter group for {family}"
            self.cache_parameter_groups[name] = CacheParameterGroup(
                account_id, region_name, name, family, description, is_default=True
            )

    @property
    def _url_module(self) -> ModuleType:
        # moto finds a backend's URL routes from the module its class is in.
        return urls

    def _holders(self) -> list[Any]:
        """What holds subnet and parameter groups: replication groups, and the
        cache clusters moto has not marked deleting (it never removes those)."""
        clusters = [c for c in list(self.cache_clusters.values()) if c.cache_cluster_status != "deleting"]
        return [*list(self.replication_groups.values()), *clusters]

    def _parameter_group(self, name: str) -> CacheParameterGroup:
        # AWS stores parameter group names in lower case.
        group = self.cache_parameter_groups.get(name.lower())
        if group is None:
            raise CacheParameterGroupNotFound(name)
        return group

    def _modifiable_group(self, name: str) -> CacheParameterGroup:
        group = self._parameter_group(name)
        if group.is_default:
            raise InvalidParameterValueException("Cannot modify a default parameter group.")
        return group

    @staticmethod
    def _family_parameter(group: CacheParameterGroup, name: str | None) -> Parameter:
        family = group.cache_parameter_group_family
        param = FAMILIES[family].get(name or "")
        if param is None:
            raise InvalidParameterValueException(
                f"Parameter {name} is not valid for cache parameter group family {family}."
            )
        return param

    def _check_family(
        self, name: str, engine: str | None, version: str | None
    ) -> CacheParameterGroup:
        group = self._parameter_group(name)
        expected = engine_family(engine or "redis", version)
        found = group.cache_parameter_group_family
        if expected and expected != found:
            raise InvalidParameterCombinationException(
                f"Expected a parameter group of family {expected} but found one of family {found}"
            )
        return group

    def create_cache_parameter_group(
        self, name: str, family: str, description: str, tags: list[dict[str, str]]
    ) -> CacheParameterGroup:
        name = name.lower()
        if name in self.cache_parameter_groups:
            raise CacheParameterGroupAlreadyExists(name)
        if family not in FAMILIES:
            raise InvalidParameterValueException(
                f"Invalid or unsupported cache parameter group family {family}; "
                f"the emulator models {', '.join(FAMILIES)}."
            )
        group = CacheParameterGroup(self.account_id, self.region_name, name, family, description)
        self.tagging_service.tag_resource(group.arn, tags)
        self.cache_parameter_groups[name] = group
        return group

    def describe_cache_parameter_groups(self, name: str | None) -> list[CacheParameterGroup]:
        if name:
            return [self._parameter_group(name)]
        return [self.cache_parameter_groups[n] for n in sorted(self.cache_parameter_groups)]

    def describe_cache_parameters(self, name: str, source: str | None) -> list[dict[str, Any]]:
        group = self._parameter_group(name)
        params = [group.describe(p) for p in FAMILIES[group.cache_parameter_group_family].values()]
        return [p for p in params if source in (None, p["Source"])]

    def modify_cache_parameter_group(self, name: str, values: list[dict[str, str]]) -> str:
        group = self._modifiable_group(name)
        if len(values) > 20:
            raise InvalidParameterCombinationException(
                "Cannot modify more than 20 parameters in a single request"
            )
        changes = {}
        for item in values:
            param = self._family_parameter(group, item.get("ParameterName"))
            value = item.get("ParameterValue") or ""
            if not param.modifiable:
                raise InvalidParameterValueException(
                    f"The parameter {param.name} cannot be modified."
                )
            if not allows(param, value):
                raise InvalidParameterValueException(
                    f"Invalid value {value!r} for parameter {param.name}; "
                    f"allowed values: {param.allowed}."
                )
            changes[param.name] = value
        group.values.update(changes)
        return group.cache_parameter_group_name

    def reset_cache_parameter_group(
        self, name: str, reset_all: bool | None, values: list[dict[str, str]]
    ) -> str:
        group = self._modifiable_group(name)
        if reset_all and values:
            raise InvalidParameterCombinationException(
                "ResetAllParameters and ParameterNameValues cannot be given together."
            )
        if not reset_all and not values:
            raise InvalidParameterValueException(
                "Either ResetAllParameters or ParameterNameValues must be given."
            )
        if reset_all:
            group.values.clear()
        for param in [self._family_parameter(group, v.get("ParameterName")) for v in values]:
            group.values.pop(param.name, None)
        return group.cache_parameter_group_name

    def delete_cache_parameter_group(self, name: str) -> None:
        group = self._parameter_group(name)
        name = group.cache_parameter_group_name
        if group.is_default:
            # The reference documents no code for this; RDS answers the same way.
            raise InvalidCacheParameterGroupState(
                f"Default parameter group {name} cannot be deleted."
            )
        if any((m.cache_parameter_group_name or "").lower() == name for m in self._holders()):
            raise InvalidCacheParameterGroupState(
                f"One or more cache clusters are still members of this parameter group {name}, "
                "so the group cannot be deleted."
            )
        del self.cache_parameter_groups[name]
        self.tagging_service.delete_all_tags_for_resource(group.arn)

    def modify_cache_subnet_group(
        self, name: str, description: str | None, subnet_ids: list[str] | None
    ) -> models.CacheSubnetGroup:
        old = self.describe_cache_subnet_groups(name)[0]
        if description is None:
            description = old.cache_subnet_group_description
        # A new group re-reads VPC and subnets from EC2, as moto's create does.
        group = models.CacheSubnetGroup(
            account_id=self.account_id,
            region_name=self.region_name,
            cache_subnet_group_name=name,
            cache_subnet_group_description=description,
            subnet_ids=subnet_ids or old.subnet_ids,
            tags=old.tags,
        )
        self.cache_subnet_groups[name] = group
        return group

    def delete_cache_subnet_group(self, name: str) -> None:
        if name not in self.cache_subnet_groups:
            raise CacheSubnetGroupNotFound(name)
        if any(m.cache_subnet_group_name == name for m in self._holders()):
            raise CacheSubnetGroupInUse(name)
        group = self.cache_subnet_groups.pop(name)
        self.tagging_service.delete_all_tags_for_resource(group.arn)

    def _member_clusters(self, groups: list[Any] | None = None) -> dict[str, MemberCluster]:
        # list() copies: moto's server answers requests on several threads,
        # and another may be adding a group meanwhile.
        members = [
            MemberCluster(group, member, self.account_id, self.region_name)
            for group in (groups if groups is not None else list(self.replication_groups.values()))
            for node_group in group.node_groups
            for member in node_group["node_group_members"]
        ]
        return {m.cache_cluster_id: m for m in members}

    def describe_cache_clusters(self, cache_cluster_id: str | None = None) -> list[Any]:
        if cache_cluster_id:
            # Members are named <group>-NNN: look at that group only, so one
            # lookup does not cost a walk over every group.
            group = self.replication_groups.get(cache_cluster_id.rsplit("-", 1)[0])
            member = self._member_clusters([group] if group else []).get(cache_cluster_id)
            if member:
                return [member]
        members = self._member_clusters()
        if cache_cluster_id in members:
            return [members[cache_cluster_id]]
        if cache_cluster_id:
            return super().describe_cache_clusters(cache_cluster_id)
        return [*super().describe_cache_clusters(), *members.values()]

    def create_replication_group(self, **kwargs: Any) -> models.ReplicationGroup:
        subnet_group = kwargs.get("cache_subnet_group_name")
        if subnet_group and subnet_group not in self.cache_subnet_groups:
            raise CacheSubnetGroupNotFound(subnet_group)
        parameter_group = kwargs.get("cache_parameter_group_name")
        if parameter_group:
            kwargs["cache_parameter_group_name"] = self._check_family(
                parameter_group, kwargs.get("engine"), kwargs.get("engine_version")
            ).cache_parameter_group_name
        # NumCacheClusters counts the primary and its replicas; moto reads
        # only ReplicasPerNodeGroup when cluster mode is disabled.
        if kwargs.get("num_cache_clusters") and not kwargs.get("replicas_per_node_group"):
            kwargs["replicas_per_node_group"] = kwargs["num_cache_clusters"] - 1
        group = super().create_replication_group(**kwargs)
        # AWS answers a reader endpoint beside the primary one; moto keeps only its address.
        for node_group in group.node_groups:
            if "reader_endpoint_address" in node_group:
                node_group["reader_endpoint"] = {
                    "address": node_group["reader_endpoint_address"],
                    "port": node_group["port"],
                }
        return group

    def describe_replication_groups(
        self, replication_group_id: str | None = None
    ) -> list[models.ReplicationGroup]:
        # DeleteReplicationGroup answers "deleting" (moto's own part); AWS removes
        # the group minutes later. Here the next Describe stands for later: the
        # group is gone, so a client polling for ReplicationGroupNotFoundFault
        # ends, and the subnet and parameter groups it held become deletable.
        for group in [g for g in list(self.replication_groups.values()) if g.status == "deleting"]:
            del self.replication_groups[group.replication_group_id]
            self.tagging_service.delete_all_tags_for_resource(group.arn)
        return super().describe_replication_groups(replication_group_id)

    def modify_replication_group(
        self,
        replication_group_id: str,
        cache_parameter_group_name: str | None = None,
        engine_version: str | None = None,
        snapshot_window: str | None = None,
        preferred_maintenance_window: str | None = None,
        security_group_ids: list[str] | None = None,
        **kwargs: Any,
    ) -> models.ReplicationGroup:
        group = self.replication_groups.get(replication_group_id)
        if group is None:
            raise ReplicationGroupNotFound(replication_group_id)
        parameter_group = cache_parameter_group_name or group.cache_parameter_group_name
        if parameter_group:
            # A major version upgrade needs a parameter group of the new family.
            engine = kwargs.get("engine") or group.engine
            version = engine_version or group.engine_version
            parameter_group = self._check_family(
                parameter_group, engine, version
            ).cache_parameter_group_name
        super().modify_replication_group(replication_group_id=replication_group_id, **kwargs)
        group.cache_parameter_group_name = parameter_group
        # Applied at once, as with ApplyImmediately.
        changes = {
            "engine_version": engine_version,
            "snapshot_window": snapshot_window,
            "preferred_maintenance_window": preferred_maintenance_window,
            "security_group_ids": security_group_ids,
        }
        for attr, value in changes.items():
            if value is not None:
                setattr(group, attr, value)
        return group

    def change_replica_count(
        self, replication_group_id: str, increase: bool, count: int | None, remove: list[str]
    ) -> models.ReplicationGroup:
        """IncreaseReplicaCount and DecreaseReplicaCount, for groups with cluster
        mode disabled (one node group; nodes named <group>-001, -002, ...)."""
        group = self.replication_groups.get(replication_group_id)
        if group is None:
            raise ReplicationGroupNotFound(replication_group_id)
        if group.cluster_mode == "enabled":
            raise InvalidParameterCombinationException(
                "The emulator changes replica counts only with cluster mode disabled."
            )
        members: list[dict[str, Any]] = group.node_groups[0]["node_group_members"]
        replicas = [m["cache_cluster_id"] for m in members[1:]]
        if remove:
            if count is not None:
                raise InvalidParameterCombinationException(
                    "Give either NewReplicaCount or ReplicasToRemove."
                )
            if unknown := set(remove) - set(replicas):
                raise InvalidParameterValueException(
                    f"Not replicas of {replication_group_id}: {', '.join(sorted(unknown))}"
                )
            count = len(replicas) - len(remove)
        if count is None or not 0 <= count <= 5:
            raise InvalidParameterValueException("NewReplicaCount must be between 0 and 5.")
        if count == len(replicas):
            raise NoOperationFault(
                f"Replication group {replication_group_id} already has {count} replicas."
            )
        if increase != (count > len(replicas)):
            raise InvalidParameterValueException(
                f"NewReplicaCount {count} does not {'increase' if increase else 'decrease'} "
                f"the {len(replicas)} replicas of {replication_group_id}."
            )
        if increase:
            primary = members[0]
            domain = primary["read_endpoint"]["address"].split(".", 1)[1]
            last = max(int(m["cache_cluster_id"].rsplit("-", 1)[1]) for m in members)
            for n in range(last + 1, last + 1 + count - len(replicas)):
                cluster_id = f"{replication_group_id}-{n:03}"
                members.append({
                    **primary,
                    "cache_cluster_id": cluster_id,
                    "read_endpoint": {"address": f"{cluster_id}.{domain}", "port": group.port},
                    "current_role": "replica",
                })
        else:
            dropped = set(remove or replicas[count:])
            members[:] = [m for m in members if m["cache_cluster_id"] not in dropped]
        group.member_clusters[:] = [m["cache_cluster_id"] for m in members]
        return group


def page(
    items: list[T], key: Callable[[T], str], marker: str | None, max_records: Any
) -> tuple[list[T], str | None]:
    """One page of a Describe: the marker is the key of the next page's first item."""
    limit = 100 if max_records is None else int(max_records)
    if not 20 <= limit <= 100:
        raise InvalidParameterValueException("MaxRecords must be between 20 and 100.")
    keys = [key(item) for item in items]
    if marker and marker not in keys:
        raise InvalidParameterValueException(f"Invalid marker: {marker}")
    start = keys.index(marker) if marker else 0
    end = start + limit
    return items[start:end], keys[end] if end < len(keys) else None


class ElastiCacheResponse(responses.ElastiCacheResponse):
    @property
    def backend(self) -> ElastiCacheBackend:
        return cast(ElastiCacheBackend, self.elasticache_backend)

    def create_cache_parameter_group(self) -> ActionResult:
        group = self.backend.create_cache_parameter_group(
            name=self._get_param("CacheParameterGroupName"),
            family=self._get_param("CacheParameterGroupFamily"),
            description=self._get_param("Description"),
            tags=self._get_param("Tags", []),
        )
        return ActionResult({"CacheParameterGroup": group})

    def describe_cache_parameter_groups(self) -> ActionResult:
        name = self._get_param("CacheParameterGroupName")
        groups, marker = page(
            self.backend.describe_cache_parameter_groups(name),
            lambda g: g.cache_parameter_group_name,
            self._get_param("Marker"),
            self._get_param("MaxRecords"),
        )
        return ActionResult({"CacheParameterGroups": groups, "Marker": marker})

    def describe_cache_parameters(self) -> ActionResult:
        params, marker = page(
            self.backend.describe_cache_parameters(
                self._get_param("CacheParameterGroupName"), self._get_param("Source")
            ),
            lambda p: p["ParameterName"],
            self._get_param("Marker"),
            self._get_param("MaxRecords"),
        )
        return ActionResult(
            {"Parameters": params, "CacheNodeTypeSpecificParameters": [], "Marker": marker}
        )

    def modify_cache_parameter_group(self) -> ActionResult:
        name = self.backend.modify_cache_parameter_group(
            self._get_param("CacheParameterGroupName"), self._get_param("ParameterNameValues", [])
        )
        return ActionResult({"CacheParameterGroupName": name})

    def reset_cache_parameter_group(self) -> ActionResult:
        name = self.backend.reset_cache_parameter_group(
            self._get_param("CacheParameterGroupName"),
            self._get_bool_param("ResetAllParameters"),
            self._get_param("ParameterNameValues", []),
        )
        return ActionResult({"CacheParameterGroupName": name})

    def delete_cache_parameter_group(self) -> ActionResult:
        self.backend.delete_cache_parameter_group(self._get_param("CacheParameterGroupName"))
        return EmptyResult()

    def modify_cache_subnet_group(self) -> ActionResult:
        group = self.backend.modify_cache_subnet_group(
            self._get_param("CacheSubnetGroupName"),
            self._get_param("CacheSubnetGroupDescription"),
            self._get_param("SubnetIds"),
        )
        return ActionResult({"CacheSubnetGroup": group})

    def delete_cache_subnet_group(self) -> ActionResult:
        self.backend.delete_cache_subnet_group(self._get_param("CacheSubnetGroupName"))
        return EmptyResult()

    def modify_replication_group(self) -> ActionResult:
        group = self.backend.modify_replication_group(
            replication_group_id=self._get_param("ReplicationGroupId"),
            cache_parameter_group_name=self._get_param("CacheParameterGroupName"),
            engine_version=self._get_param("EngineVersion"),
            snapshot_window=self._get_param("SnapshotWindow"),
            preferred_maintenance_window=self._get_param("PreferredMaintenanceWindow"),
            security_group_ids=self._get_param("SecurityGroupIds"),
            replication_group_description=self._get_param("ReplicationGroupDescription"),
            engine=self._get_param("Engine"),
            cache_node_type=self._get_param("CacheNodeType"),
            automatic_failover_enabled=self._get_bool_param("AutomaticFailoverEnabled"),
            multi_az_enabled=self._get_bool_param("MultiAZEnabled"),
            snapshot_retention_limit=self._get_int_param("SnapshotRetentionLimit"),
        )
        return ActionResult({"ReplicationGroup": group})

    def increase_replica_count(self) -> ActionResult:
        return self._change_replica_count(increase=True)

    def decrease_replica_count(self) -> ActionResult:
        return self._change_replica_count(increase=False)

    def _change_replica_count(self, increase: bool) -> ActionResult:
        group = self.backend.change_replica_count(
            self._get_param("ReplicationGroupId"),
            increase,
            self._get_int_param("NewReplicaCount"),
            self._get_param("ReplicasToRemove", []),
        )
        return ActionResult({"ReplicationGroup": group})


def install() -> None:
    """Routes moto's ElastiCache backends and requests through the classes above.

    Call before the server handles a request: backends are created lazily.
    """
    models.elasticache_backends.backend = ElastiCacheBackend
    urls.url_paths["{0}/$"] = ElastiCacheResponse.dispatch
