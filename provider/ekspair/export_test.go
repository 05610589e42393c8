package ekspair

// NameRule is the rule of a pair's name, for the name tests.
var NameRule = pairName
