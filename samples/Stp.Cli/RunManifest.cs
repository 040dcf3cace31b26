using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Stp.Data;

namespace Stp.Cli;

/// <summary>How a training session was asked for: the resolved options, the command line, what a resume changed.</summary>
/// <param name="Config">Every option of the command, resolved (names without dashes, as in a --config file).</param>
/// <param name="CommandLine">The command line as given ("stp", "train", ...).</param>
/// <param name="Overrides">Options a resume changed: name -> { "from", "to" }; null for a new run.</param>
/// <param name="Note">What the session should know (e.g. an older run folder without a manifest); null if nothing.</param>
internal sealed record RunRequest(JsonObject Config, IReadOnlyList<string> CommandLine, JsonObject? Overrides = null, string? Note = null)
{
    /// <summary>The data as the session split it (molecules, train, validation, test), for the manifest's <c>training</c>.</summary>
    public JsonObject Split { get; } = new();
}

/// <summary>
/// <c>manifest.json</c> of a run folder, written atomically (a temporary file renamed over the old one): the resolved
/// configuration (<c>config</c>, every option of <c>stp train</c>, reusable as <c>stp train --config manifest.json</c>;
/// a resume updates it with what the resume changed), the resolved training hyper-parameters (<c>training</c>: the
/// trainer's options, the model's description with its noise schedule and prior, the data, the stop rule), the
/// command line, Stp version and git commit, TorchSharp and libtorch versions, device, machine, the start of the first
/// session and the end of the last, the status (running, finished, interrupted, failed, killed) and the checkpointed step, and
/// one entry per session (a new run, then each resume) with its own command line, device, software, machine, times,
/// steps and overrides.
/// </summary>
internal sealed class RunManifest
{
    public const string FileName = "manifest.json", Format = "stp-run-manifest/1";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly string _path;
    private readonly JsonObject _doc;
    private readonly JsonObject _session;

    private RunManifest(string path, JsonObject doc, JsonObject session) => (_path, _doc, _session) = (path, doc, session);

    /// <summary>The manifest file of <paramref name="folder"/>.</summary>
    public static string PathIn(string folder) => Path.Combine(folder, FileName);

    /// <summary>The manifest of <paramref name="folder"/>, or null when it has none.</summary>
    /// <exception cref="InvalidDataException">The file is not a run manifest (not JSON, or another format).</exception>
    public static JsonObject? Read(string folder)
    {
        var path = PathIn(folder);
        if (!File.Exists(path)) return null;
        JsonNode? doc;
        try { doc = JsonNode.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not a run manifest ({e.Message})."); }
        if (doc is not JsonObject o || o["format"]?.GetValue<string>() != Format || o["config"] is not JsonObject)
            throw new InvalidDataException($"{path}: not a run manifest of this Stp ('format' must be \"{Format}\", with a 'config' object).");
        return o;
    }

    /// <summary>
    /// Starts a session in <paramref name="folder"/>: a new manifest for a new run, or the run's manifest with a new
    /// session entry (and its configuration updated) on a resume. Written at once, status "running".
    /// </summary>
    public static RunManifest Begin(string folder, RunRequest request, JsonObject training, string device, int threads, long step, bool resumed)
    {
        var now = Now();
        var doc = (resumed ? Read(folder) : null) ?? new JsonObject { ["format"] = Format, ["command"] = "train", ["started"] = now };
        var session = new JsonObject
        {
            ["started"] = now,
            ["ended"] = null,
            ["status"] = "running",
            ["kind"] = resumed ? "resume" : "new run",
            ["fromStep"] = step,
            ["toStep"] = step,
            ["commandLine"] = Strings(request.CommandLine),
            ["device"] = device,
            ["software"] = BuildInfo.Software(),
            ["machine"] = BuildInfo.Machine(threads),
        };
        if (request.Overrides is { Count: > 0 } o) session["overrides"] = o.DeepClone();
        if (request.Note is not null) session["note"] = request.Note;
        doc["status"] = "running";
        doc["ended"] = null;
        doc["step"] = step;
        doc["config"] = request.Config.DeepClone();
        doc["training"] = training;
        doc["commandLine"] = Strings(request.CommandLine);
        doc["device"] = device;
        doc["software"] = BuildInfo.Software();
        doc["machine"] = BuildInfo.Machine(threads);
        if (doc["sessions"] is not JsonArray sessions) doc["sessions"] = sessions = new JsonArray();
        sessions.Add(session);
        var manifest = new RunManifest(PathIn(folder), doc, session);
        manifest.Write();
        return manifest;
    }

    /// <summary>Records the end of the session: <paramref name="status"/> (finished, interrupted, failed, killed) at checkpointed step <paramref name="step"/>.</summary>
    public void End(string status, long step)
    {
        lock (_gate) EndLocked(status, step);
    }

    /// <summary>Records "killed" at <paramref name="step"/> unless the session has already ended (a second signal's last write).</summary>
    public void Killed(long step)
    {
        lock (_gate) { if (!_ended) EndLocked("killed", step); }
    }

    private readonly object _gate = new();
    private bool _ended;

    private void EndLocked(string status, long step)
    {
        _ended = true;
        var now = Now();
        _session["ended"] = now;
        _session["status"] = status;
        _session["toStep"] = step;
        _doc["ended"] = now;
        _doc["status"] = status;
        _doc["step"] = step;
        Write();
    }

    private void Write() => AtomicFile.WriteAllText(_path, _doc.ToJsonString(Indented) + "\n");

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    private static string Now() => DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
}
