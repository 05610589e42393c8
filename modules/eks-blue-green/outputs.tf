locals {
  pair_sides = { blue = paved_eks_cluster_pair.this.blue, green = paved_eks_cluster_pair.this.green }
}

output "id" {
  description = "`<environment>/<name>`: the import id of both the pair and the binding."
  value       = paved_eks_cluster_pair.this.id
}

output "live" {
  description = "The side that serves."
  value       = paved_eks_cluster_pair.this.live
}

output "clusters" {
  description = "Per side that is set: `name`, `arn`, `endpoint`, `version`, `certificate_authority` (base64), `oidc_issuer` and `node_group_name` (null without a node group) of its EKS cluster."
  value = {
    for side, c in local.pair_sides : side => {
      name                  = c.cluster_name
      arn                   = c.arn
      endpoint              = c.endpoint
      version               = c.version
      certificate_authority = c.certificate_authority
      oidc_issuer           = c.oidc_issuer
      node_group_name       = c.node_group_name
    } if c != null
  }
}

output "target_group_arns" {
  description = "Target group ARN per side."
  value       = paved_alb_target_binding.this.target_group_arns
}

output "manifests" {
  description = "Per side, the TargetGroupBinding (`elbv2.k8s.aws/v1beta1`) to apply in that side's cluster, as YAML: it registers the pods of `kubernetes_service` in the side's target group."
  value       = paved_alb_target_binding.this.manifests
}

output "rule_arn" {
  description = "ARN of the listener rule. It stays the same while weights and live change."
  value       = paved_alb_target_binding.this.rule_arn
}
