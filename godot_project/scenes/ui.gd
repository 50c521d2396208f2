## Builders shared by the sample's scenes, which build their UI in code with
## stable node names (so headless tests can find and press them).
extends RefCounted


static func button(parent: Node, node_name: String, text: String, handler: Callable) -> Button:
	var b := Button.new()
	b.name = node_name
	b.text = text
	b.pressed.connect(func(): handler.call())
	parent.add_child(b)
	return b
