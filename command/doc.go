// Package command declares the commands a teomq consumer serves and parses
// their requests.
//
// A command has a name ("version", "num_servers") and a template naming its
// parameters, such as "{data}/{description}". A request's data is bound to
// the template by splitting it at '/': each parameter takes one segment and
// the last one takes the rest, slashes included, so "a/b/c" binds
// {data}="a", {description}="b/c". A line such as "version/some_data" holds
// a command name and its data; [Split] separates them.
//
// A [Set] holds the commands of one consumer. Fill it with [Set.Add] before
// serving; [Set.Handle] then finds a request's command, binds its data and
// calls the command's [Handler]:
//
//	set := command.NewSet()
//	set.Add("version", "Get consumer version.", "{data}", versionHandler)
//	reply, err := set.Handle(ctx, "version", []byte("some_data"))
package command
