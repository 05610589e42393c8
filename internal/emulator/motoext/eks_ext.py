"""EKS tagging of managed node groups, which moto 5.2.5 lacks: its
TagResource, UntagResource and ListTagsForResource find clusters only and
answer NotFoundException for a node group ARN. AWS tags both.
"""

from types import ModuleType
from typing import Any

from moto.eks import models, urls
from moto.eks.exceptions import ResourceNotFoundException


class EKSBackend(models.EKSBackend):
    @property
    def _url_module(self) -> ModuleType:
        # moto finds a backend's URL routes from the module its class is in.
        return urls

    def _taggable(self, arn: str) -> Any:
        for cluster in self.clusters.values():
            if cluster.arn == arn:
                return cluster
            for nodegroup in cluster.nodegroups.values():
                if nodegroup.arn == arn:
                    return nodegroup
        raise ResourceNotFoundException(
            clusterName=None,
            nodegroupName=None,
            fargateProfileName=None,
            addonName=None,
            message="Resource was not found",
        )

    def tag_resource(self, resource_arn: str, tags: dict[str, str]) -> None:
        resource = self._taggable(resource_arn)
        if resource.tags is None:
            resource.tags = {}
        resource.tags.update(tags)

    def untag_resource(self, resource_arn: str, tag_keys: list[str]) -> None:
        if not isinstance(tag_keys, list):
            tag_keys = [tag_keys]
        resource = self._taggable(resource_arn)
        for key in tag_keys:
            (resource.tags or {}).pop(key, None)

    def list_tags_for_resource(self, resource_arn: str) -> dict[str, str]:
        return self._taggable(resource_arn).tags or {}


def install() -> None:
    """Routes moto's EKS backends through the class above; call before the
    server handles a request, as backends are created lazily."""
    models.eks_backends.backend = EKSBackend
