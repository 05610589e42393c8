# Denies, in production, security group rules that a plan creates or
# updates to open ingress to the whole internet: 0.0.0.0/0 or ::/0, in the
# inline ingress blocks of aws_security_group, in aws_security_group_rule
# of type ingress, and in aws_vpc_security_group_ingress_rule.
#
# A plan is of production when the project paved-bot gives as
# data.paved.project has a workspace, name or dir of which one part, split
# at "-", "_", "." and "/", is "prod" or "production": workspace prod,
# project payments-prod or prod-eu, dir envs/production/eu. Parts, rather
# than substrings, so that "product" or "prodigy" are not production.
# Without data.paved, as under plain `conftest test`, every plan is taken
# for production: a check that cannot tell errs towards denying.
#
# The rule is deny_public_ingress, so that an exception can name it:
#
#	exception contains ["public_ingress"] if { ... }
package main

import rego.v1

public_ingress_open_cidrs := {"0.0.0.0/0", "::/0"}

public_ingress_in_production if not data.paved.project

public_ingress_in_production if {
	some attr in ["workspace", "name", "dir"]
	value := object.get(data.paved.project, attr, "")
	is_string(value)
	some part in regex.split(`[-_./]`, lower(value))
	part in {"prod", "production"}
}

deny_public_ingress contains msg if {
	public_ingress_in_production
	some opening in public_ingress
	msg := sprintf("%s opens ingress to %s %s in production", [opening.address, opening.cidr, opening.ports])
}

# public_ingress holds each address, open CIDR and ports a plan sets.
public_ingress contains opening if {
	some rc in input.resource_changes
	rc.type == "aws_security_group"
	public_ingress_changed(rc)
	some rule in public_ingress_list(rc.change.after.ingress)
	some cidr in public_ingress_cidrs(rule)
	opening := public_ingress_opening(rc.address, cidr, rule.protocol, rule)
}

public_ingress contains opening if {
	some rc in input.resource_changes
	rc.type == "aws_security_group_rule"
	public_ingress_changed(rc)
	rule := rc.change.after
	rule.type == "ingress"
	some cidr in public_ingress_cidrs(rule)
	opening := public_ingress_opening(rc.address, cidr, rule.protocol, rule)
}

public_ingress contains opening if {
	some rc in input.resource_changes
	rc.type == "aws_vpc_security_group_ingress_rule"
	public_ingress_changed(rc)
	rule := rc.change.after
	some attr in ["cidr_ipv4", "cidr_ipv6"]
	rule[attr] in public_ingress_open_cidrs
	opening := public_ingress_opening(rc.address, rule[attr], rule.ip_protocol, rule)
}

# public_ingress_changed holds for a managed resource the plan creates or
# updates; deleting a rule opens nothing.
public_ingress_changed(rc) if {
	rc.mode == "managed"
	some action in rc.change.actions
	action in {"create", "update"}
}

public_ingress_cidrs(rule) := {cidr |
	some attr in ["cidr_blocks", "ipv6_cidr_blocks"]
	some cidr in public_ingress_list(object.get(rule, attr, []))
	cidr in public_ingress_open_cidrs
}

public_ingress_opening(address, cidr, protocol, rule) := {
	"address": address,
	"cidr": cidr,
	"ports": public_ingress_ports(protocol, object.get(rule, "from_port", null), object.get(rule, "to_port", null)),
}

# Protocol -1 is every protocol, so every port, whatever the ports say.
public_ingress_all_protocols := {"-1", "all"}

public_ingress_ports(protocol, _, _) := "on all ports" if protocol in public_ingress_all_protocols

public_ingress_ports(protocol, from, to) := sprintf("on port %v", [from]) if {
	not protocol in public_ingress_all_protocols
	from == to
}

public_ingress_ports(protocol, from, to) := sprintf("on ports %v-%v", [from, to]) if {
	not protocol in public_ingress_all_protocols
	from != to
}

# public_ingress_list is x when it is a list; a plan gives null for an
# attribute that is not set.
public_ingress_list(x) := x if {
	is_array(x)
} else := []
