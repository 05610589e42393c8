// Package bluegreen is what an EKS cluster pair tells the resources that
// route traffic to it: its two sides, and the binding object, an output of
// paved_eks_cluster_pair and an input of paved_alb_target_binding.
package bluegreen

import (
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Sides are the two sides of a pair, in the order paved reports them.
var Sides = []string{"blue", "green"}

// Binding is the binding object's model.
type Binding struct {
	ID          types.String `tfsdk:"id"`
	Environment types.String `tfsdk:"environment"`
	Name        types.String `tfsdk:"name"`
	Live        types.String `tfsdk:"live"`
	Sides       types.List   `tfsdk:"sides"`
}

// BindingType is the binding object's type, taken from its schema so the
// two cannot disagree.
var BindingType = BindingAttribute().GetType().(types.ObjectType)

// BindingAttribute is the pair's computed binding attribute.
func BindingAttribute() schema.SingleNestedAttribute {
	computed := func(what string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, Description: what}
	}
	return schema.SingleNestedAttribute{
		Computed: true,
		Description: "What paved_alb_target_binding needs of the pair, known at plan time whenever the sides " +
			"and `live` are: pass it as the binding's cluster pair.",
		Attributes: map[string]schema.Attribute{
			"id":          computed("`<environment>/<name>` of the pair."),
			"environment": computed("Environment of the pair."),
			"name":        computed("Name of the pair."),
			"live":        computed("The live side."),
			"sides": schema.ListAttribute{
				Computed: true, ElementType: types.StringType,
				Description: "The sides present, sorted: `[\"blue\"]`, `[\"green\"]` or `[\"blue\", \"green\"]`.",
			},
		},
	}
}
