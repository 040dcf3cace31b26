using System.CommandLine;
using System.Text.Json.Nodes;

namespace Stp.Cli;

/// <summary>
/// The options of one <c>stp train</c> session, resolved before any data is loaded: the command line over a
/// <c>--config</c> file over the defaults; on <c>--resume</c> of a run with a manifest, the run's own options fill in
/// whatever this session does not give. A resumed run keeps its training options: giving one with another value
/// (<c>--batch-size 16</c> for a run trained with 8) is a usage error naming the option and both values. The options in
/// <see cref="ResumeMayChange"/> (the learning rate, the stop rule, checkpoint and evaluation cadence, device, ...) may be
/// changed on a resume; what changed is recorded in run.log and in the manifest's session. A run folder from before
/// manifests resumes from what its checkpoint holds (model, seed, learning rate) and says so.
/// </summary>
internal static class TrainSettings
{
    /// <summary>Options a resume may change (recorded): every other training option is the run's and is refused if it differs.</summary>
    public static readonly string[] ResumeMayChange =
        ["lr", "steps", "epochs", "time-budget", "checkpoint-every", "eval-every", "eval-samples", "max-skipped-steps", "stage", "tensorboard", "device", "low-memory", "download",
         "data"]; // the same data at another path (say, copied to a node's local disk); the run's molecules are the user's to keep

    /// <summary>Options of the session only: never restored from a manifest nor compared with it (--out is where the run is found).</summary>
    private static readonly string[] SessionOnly = ["out", "threads"];

    /// <summary>The stop rule: a session that gives any of these replaces all three.</summary>
    private static readonly string[] StopRule = ["steps", "epochs", "time-budget"];

    /// <summary>Options whose values are paths: recorded as full paths, so that a resume from another folder finds them.</summary>
    private static readonly string[] PathOptions = ["data", "autoencoder", "out"];

    /// <summary>
    /// The session's parse (the command line with the --config file's and, on a resume, the manifest's values filled in)
    /// and its record for the manifest. <paramref name="folderOf"/> gives the run folder of a parse.
    /// </summary>
    public static (ParseResult Parse, RunRequest Request) Resolve(Command command, ParseResult parse, Option<string?> config, Option<bool> resume,
        Func<ParseResult, string> folderOf)
    {
        var commandLine = new[] { "stp" }.Concat(parse.Tokens.Select(t => t.Value)).ToArray();
        var given = OptionLayers.Given(parse, command);
        var user = new HashSet<string>(given);
        (parse, var fromFile) = OptionLayers.WithConfigFile(command, parse, config);
        user.UnionWith(fromFile);
        JsonObject? overrides = null;
        string? note = null;
        var folder = folderOf(parse);
        if (parse.GetValue(resume) && RunFolders(folder).Any(f => File.Exists(Path.Combine(f, RunFolder.Checkpoint))))
        {
            var (manifestFolder, manifest) = RunFolders(folder).Select(f => (f, RunManifest.Read(f))).FirstOrDefault(m => m.Item2 is not null);
            if (manifest is null)
            {
                note = $"{folder} has no {RunManifest.FileName} (a run from before manifests): resuming with the model, seed and learning rate of its checkpoint; "
                    + "the other options (batch size, EMA, stop rule, ...) are this command line's, so give them as the run had them. A manifest is written from now on.";
                Console.WriteLine(note);
            }
            else
            {
                var recorded = manifest["config"]!.AsObject();
                var current = Normalized(OptionLayers.Values(parse, command));
                bool newStopRule = StopRule.Any(user.Contains);
                var known = OptionLayers.Settable(command).Select(OptionLayers.Key).ToHashSet();
                var restore = new List<string>();
                overrides = new JsonObject();
                foreach (var (key, was) in recorded)
                {
                    if (!known.Contains(key) || SessionOnly.Contains(key)) continue;
                    if (!(StopRule.Contains(key) ? newStopRule : user.Contains(key))) { restore.Add(key); continue; }
                    var now = current[key];
                    if (OptionLayers.Same(was, now)) continue;
                    if (!ResumeMayChange.Contains(key))
                        throw new UsageException($"--{key} {OptionLayers.Show(now)} conflicts with the run in {folder}: it was trained with --{key} {OptionLayers.Show(was)} "
                            + $"({RunManifest.PathIn(manifestFolder)}). A resumed run keeps its training options: leave --{key} out to continue it, "
                            + "or start a new run (another --out, or --force to replace this one).");
                    overrides[key] = new JsonObject { ["from"] = was?.DeepClone(), ["to"] = now?.DeepClone() };
                }
                parse = OptionLayers.Apply(parse, command, recorded, restore, RunManifest.PathIn(manifestFolder));
                if (restore.Count > 0) Console.WriteLine($"Resuming with the run's options from {RunManifest.PathIn(manifestFolder)}" + (overrides.Count > 0
                    ? $"; changed: {string.Join(", ", overrides.Select(kv => $"--{kv.Key} {OptionLayers.Show(kv.Value!["from"])} -> {OptionLayers.Show(kv.Value!["to"])}"))}."
                    : "."));
            }
        }
        var resolved = Normalized(OptionLayers.Values(parse, command));
        resolved["out"] = Path.GetFullPath(folder);
        if (!given.Contains("threads") && !user.Contains("threads")) resolved["threads"] = null; // the default (all cores) stays the default on another machine
        return (parse, new RunRequest(resolved, commandLine, overrides, note));
    }

    /// <summary>The folders that may hold the run's checkpoint and manifest: the run folder, then RADM's stage-1 folder.</summary>
    private static string[] RunFolders(string folder) => [folder, Path.Combine(folder, "autoencoder")];

    /// <summary>Path options as full paths (and --gamma when it names a file).</summary>
    private static JsonObject Normalized(JsonObject values)
    {
        foreach (var key in PathOptions)
            if (values[key]?.GetValue<string>() is string path) values[key] = Path.GetFullPath(path);
        if (values["gamma"]?.GetValue<string>() is string gamma && File.Exists(gamma)) values["gamma"] = Path.GetFullPath(gamma);
        return values;
    }
}
