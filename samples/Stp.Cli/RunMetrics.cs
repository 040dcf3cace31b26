using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Stp.Cli;

/// <summary>
/// A run's metrics for programs: <c>metrics.jsonl</c> (one JSON object per line) and, unless turned off, TensorBoard
/// event files under <c>tensorboard/</c> (TorchSharp's <c>torch.utils.tensorboard.SummaryWriter</c>; one events file
/// per session, which TensorBoard reads as one run). Records are buffered and written when the checkpoint is saved, so
/// that both hold exactly the checkpointed steps, as <c>train_log.csv</c> does: a resumed run does not repeat steps. An
/// evaluation of a step that is already checkpointed is written at once.
/// <list type="bullet">
/// <item>Training steps: <c>{"type":"train","step","epoch","loss","grad_norm","clipped","skipped","lr","step_seconds","steps_per_second","time"}</c>
/// (steps_per_second: this session's average so far); TensorBoard tags <c>train/loss</c>, <c>train/grad_norm</c>,
/// <c>train/clipped</c> (0 or 1), <c>train/lr</c>, <c>train/steps_per_second</c>.</item>
/// <item>Evaluations: <c>{"type":"eval","step","molecules","atom_stability","molecule_stability","validity","valid_unique","single_fragment","time"}</c>;
/// tags <c>eval/atom_stability</c>, <c>eval/molecule_stability</c>, <c>eval/validity</c>, <c>eval/valid_unique</c>, <c>eval/single_fragment</c>.</item>
/// </list>
/// </summary>
internal sealed class RunMetrics
{
    public const string JsonLines = "metrics.jsonl", TensorBoardFolder = "tensorboard";

    private readonly string _path;
    private readonly SummaryWriter? _tensorBoard;
    private readonly List<(JsonObject Record, (string Tag, double Value)[] Scalars, long Step)> _pending = new();

    public RunMetrics(string folder, bool tensorBoard)
    {
        _path = Path.Combine(folder, JsonLines);
        _tensorBoard = tensorBoard ? utils.tensorboard.SummaryWriter(Path.Combine(folder, TensorBoardFolder)) : null;
    }

    /// <summary>Buffers one training step (written at the next <see cref="Flush"/>).</summary>
    public void Step(Stp.Training.TrainingProgress p, double learningRate, double stepsPerSecond)
    {
        var record = new JsonObject
        {
            ["type"] = "train", ["step"] = p.Step, ["epoch"] = p.Epoch, ["loss"] = Number(p.Loss), ["grad_norm"] = Number(p.GradNorm),
            ["clipped"] = p.Clipped, ["skipped"] = p.Skipped, ["lr"] = learningRate, ["step_seconds"] = Math.Round(p.StepSeconds, 6),
            ["steps_per_second"] = Number(Math.Round(stepsPerSecond, 4)), ["time"] = Now(),
        };
        _pending.Add((record, [("train/loss", p.Loss), ("train/grad_norm", p.GradNorm), ("train/clipped", p.Clipped ? 1 : 0),
            ("train/lr", learningRate), ("train/steps_per_second", stepsPerSecond)], p.Step));
    }

    /// <summary>Records an evaluation of step <paramref name="step"/>; at once when <paramref name="checkpointed"/>, else with the next flush.</summary>
    public void Evaluation(long step, int molecules, double atomStability, double moleculeStability, double validity, double validUnique, double singleFragment, bool checkpointed)
    {
        var record = new JsonObject
        {
            ["type"] = "eval", ["step"] = step, ["molecules"] = molecules, ["atom_stability"] = Number(atomStability),
            ["molecule_stability"] = Number(moleculeStability), ["validity"] = Number(validity), ["valid_unique"] = Number(validUnique),
            ["single_fragment"] = Number(singleFragment), ["time"] = Now(),
        };
        _pending.Add((record, [("eval/atom_stability", atomStability), ("eval/molecule_stability", moleculeStability), ("eval/validity", validity),
            ("eval/valid_unique", validUnique), ("eval/single_fragment", singleFragment)], step));
        if (checkpointed) Flush();
    }

    /// <summary>Writes the buffered records (called when the checkpoint is saved).</summary>
    public void Flush()
    {
        if (_pending.Count == 0) return;
        var sb = new StringBuilder();
        foreach (var (record, _, _) in _pending) sb.Append(record.ToJsonString()).Append('\n');
        File.AppendAllText(_path, sb.ToString());
        if (_tensorBoard is not null)
            foreach (var (record, scalars, step) in _pending)
            {
                long wall = DateTimeOffset.Parse(record["time"]!.GetValue<string>(), CultureInfo.InvariantCulture).ToUnixTimeSeconds();
                foreach (var (tag, value) in scalars) _tensorBoard.add_scalar(tag, (float)value, checked((int)step), wall);
            }
        _pending.Clear();
    }

    /// <summary>Drops the buffered records (a failed step: they go with the unsaved steps).</summary>
    public void Discard() => _pending.Clear();

    /// <summary>JSON has no NaN or infinity: those are written as null (a skipped step's loss, say).</summary>
    private static JsonNode? Number(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;

    private static string Now() => DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
}
