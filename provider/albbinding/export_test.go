package albbinding

// BindingName is the rule of binding names, for the name test.
var BindingName = bindingName
