using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Stp.Cli;

/// <summary>
/// A command's options as JSON, one key per option, named as the option without its dashes (<c>--batch-size 64</c> is
/// <c>"batch-size": 64</c>; a flag is true or false; a list, such as <c>--condition</c>, is an array; null is the
/// default). Used for <c>--config file.json</c>, for the <c>config</c> of a run's manifest and to restore a resumed
/// run's options. Values from a layer (a file, a manifest) go through the command line parser as if typed, so they are
/// converted and validated exactly as flags are, and an error names the option and where the value came from.
/// </summary>
internal static class OptionLayers
{
    /// <summary>Options that a file cannot set: they say what to do with a file (--config) or a run folder (--resume, --force).</summary>
    public static readonly string[] NotSettable = ["config", "resume", "force", "help"];

    /// <summary>The key of an option: its name without the leading dashes.</summary>
    public static string Key(Option option) => option.Name.TrimStart('-');

    /// <summary>The options of <paramref name="command"/> a file may set.</summary>
    public static IEnumerable<Option> Settable(Command command) => command.Options.Where(o => !NotSettable.Contains(Key(o)));

    /// <summary>The keys of the options given on the command line of <paramref name="parse"/> (not defaults).</summary>
    public static HashSet<string> Given(ParseResult parse, Command command) =>
        command.Options.Where(o => parse.GetResult(o) is OptionResult { Implicit: false }).Select(Key).ToHashSet();

    /// <summary>The value of every settable option of <paramref name="command"/> in <paramref name="parse"/> (defaults included; null when unset).</summary>
    public static JsonObject Values(ParseResult parse, Command command)
    {
        var values = new JsonObject();
        foreach (var option in Settable(command))
            values[Key(option)] = JsonSerializer.SerializeToNode(parse.GetValue<object>(option.Name));
        return values;
    }

    /// <summary>
    /// Reads a config file for <paramref name="command"/>: a JSON object of option keys, or a run's manifest.json (its
    /// <c>config</c>). An unknown key, a key that cannot be set from a file, or a file that is not a JSON object is a
    /// usage error naming the key and the file.
    /// </summary>
    public static JsonObject ReadConfig(string path, Command command)
    {
        if (!File.Exists(path)) throw new UsageException($"--config: {path} does not exist.");
        JsonNode? doc;
        try { doc = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
        catch (JsonException e) { throw new UsageException($"--config {path}: not valid JSON ({e.Message.Split('\n')[0]})."); }
        if (doc is not JsonObject config) throw new UsageException($"--config {path}: the file must hold a JSON object of options, e.g. {{\"batch-size\": 64, \"prior\": \"stp\"}}.");
        if (config["format"]?.GetValueKind() == JsonValueKind.String && config["format"]!.GetValue<string>() == RunManifest.Format && config["config"] is JsonObject inner)
            config = inner; // a run's manifest: reuse its configuration
        var options = Settable(command).ToDictionary(Key);
        foreach (var (key, value) in config)
        {
            if (NotSettable.Contains(key))
                throw new UsageException($"--config {path}: '{key}' cannot be set in a config file; give --{key} on the command line.");
            if (!options.TryGetValue(key, out var option))
                throw new UsageException($"--config {path}: unknown key '{key}': not an option of 'stp {command.Name}' (keys are the option names without the dashes, e.g. \"{options.Keys.FirstOrDefault(k => k.Contains('-')) ?? options.Keys.First()}\"; see 'stp {command.Name} --help').");
            if (value is JsonObject)
                throw new UsageException($"--config {path}: '{key}' must be a string, number, true/false, an array or null, not an object.");
            if (option.ValueType == typeof(bool) && value is not null && value.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
                throw new UsageException($"--config {path}: '{key}' must be true or false (got {value.ToJsonString()}).");
        }
        return config;
    }

    /// <summary>--config of a command: a JSON file of its options.</summary>
    public static Option<string?> ConfigOption(string extra = "") =>
        new("--config") { Description = $"JSON file of options, named as the options without the dashes, e.g. {{\"n\": 1000, \"seed\": 123}}; flags on the command line override it{extra}" };

    /// <summary>
    /// <paramref name="parse"/> with the options of the <paramref name="config"/> file filled in where the command line
    /// does not give them, and the keys taken from the file (empty without --config).
    /// </summary>
    public static (ParseResult Parse, IReadOnlyList<string> Keys) WithConfigFile(Command command, ParseResult parse, Option<string?> config)
    {
        if (parse.GetValue(config) is not string file) return (parse, []);
        var given = Given(parse, command);
        var layer = ReadConfig(file, command);
        var keys = layer.Where(kv => kv.Value is not null && !given.Contains(kv.Key)).Select(kv => kv.Key).ToList();
        return (Apply(parse, command, layer, keys, $"--config {file}"), keys);
    }

    /// <summary>
    /// The parse of the command line of <paramref name="parse"/> with the values of <paramref name="keys"/> taken from
    /// <paramref name="layer"/> (the caller leaves out options given on the command line). A value the parser refuses
    /// is a usage error that names <paramref name="source"/>.
    /// </summary>
    public static ParseResult Apply(ParseResult parse, Command command, JsonObject layer, IEnumerable<string> keys, string source)
    {
        var args = parse.Tokens.Select(t => t.Value).ToList();
        var byKey = command.Options.ToDictionary(Key);
        foreach (var key in keys)
        {
            if (!layer.TryGetPropertyValue(key, out var value) || value is null) continue;
            var values = value is JsonArray array ? array.Select(Text).ToList() : [Text(value)];
            if (values.Count == 0) continue;
            args.Add(byKey[key].Name);
            args.AddRange(values);
        }
        var result = parse.RootCommandResult.Command.Parse(args);
        if (result.Errors.Count > 0)
            throw new UsageException($"{source}: {string.Join(" ", result.Errors.Select(e => e.Message.Split('\n')[0]).Distinct())}");
        return result;
    }

    /// <summary>Whether two option values are the same (numbers by value, strings ignoring case, paths by their full path).</summary>
    public static bool Same(JsonNode? a, JsonNode? b)
    {
        if (a is null || b is null) return a is null && b is null;
        if (a is JsonArray x && b is JsonArray y) return x.Count == y.Count && x.Zip(y).All(p => Same(p.First, p.Second));
        if (a.GetValueKind() == JsonValueKind.Number && b.GetValueKind() == JsonValueKind.Number)
            return a.ToJsonString() == b.ToJsonString() || a.GetValue<double>() == b.GetValue<double>();
        if (a.GetValueKind() == JsonValueKind.String && b.GetValueKind() == JsonValueKind.String)
            return string.Equals(a.GetValue<string>(), b.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
        return JsonNode.DeepEquals(a, b);
    }

    /// <summary>A value as the command line shows it (for messages): --batch-size 64, --condition alpha gap.</summary>
    public static string Show(JsonNode? value) => value switch
    {
        null => "(not given)",
        JsonArray a => a.Count == 0 ? "(none)" : string.Join(" ", a.Select(Text)),
        _ => Text(value),
    };

    private static string Text(JsonNode? value) => value switch
    {
        null => "",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>() ? "true" : "false",
        _ => value.ToJsonString(),
    };
}
