using System.Diagnostics;
using System.Globalization;
using Stp.Chemistry;
using Stp.Diffusion;
using Stp.Metrics;
using Stp.Sampling;
using Stp.Training;
using static TorchSharp.torch;

namespace Stp.Cli;

/// <summary>What one training run of <c>stp train</c> needs besides its trainer (one per RADM stage).</summary>
internal sealed record TrainingLoopOptions(string Folder, string CheckpointPath, IReadOnlyDictionary<string, string> Metadata,
    long? MaxSteps, TimeSpan? TimeBudget, int CheckpointEvery, int EvalEvery, int EvalSamples, string Dataset, Device Device);

/// <summary>
/// The training loop of <c>stp train</c>: steps until the step target or the time budget, appends every step to
/// <c>train_log.csv</c> in the run folder, checkpoints every <see cref="TrainingLoopOptions.CheckpointEvery"/> steps
/// and at the end (also on Ctrl+C), and samples and scores the EMA model every <see cref="TrainingLoopOptions.EvalEvery"/>
/// steps into <c>eval_log.csv</c>. Returns the exit code (130 when stopped by Ctrl+C).
/// </summary>
internal static class TrainingLoop
{
    public static int Run(DiffusionTrainer trainer, TrainingLoopOptions o, CancellationToken ct)
    {
        var model = trainer.Model;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); Console.WriteLine("\nStopping after this step; saving a checkpoint ..."); };
        Console.CancelKeyPress += onCancel;
        var log = Path.Combine(o.Folder, "train_log.csv");
        if (!File.Exists(log)) File.WriteAllText(log, "step,epoch,loss,grad_norm,clipped,step_seconds\n");
        var evalLog = Path.Combine(o.Folder, "eval_log.csv");
        if (o.EvalEvery > 0 && !File.Exists(evalLog)) File.WriteAllText(evalLog, "step,molecules,atom_stability,molecule_stability,validity,valid_unique,single_fragment\n");
        var evaluator = o.Dataset == "qm9" ? MetricsEvaluator.ForQm9() : MetricsEvaluator.ForGeomDrugs();
        var progress = new ProgressLine();
        var sw = Stopwatch.StartNew();
        long startStep = trainer.Step;
        double avg = double.NaN;
        var logLines = new List<string>();
        try
        {
            while (!cts.IsCancellationRequested)
            {
                if (o.MaxSteps is long ms && trainer.Step >= ms) break;
                if (o.TimeBudget is TimeSpan tb && sw.Elapsed >= tb) break;
                var p = trainer.TrainStep();
                avg = double.IsNaN(avg) ? p.Loss : 0.98 * avg + 0.02 * p.Loss;
                logLines.Add(string.Create(CultureInfo.InvariantCulture, $"{p.Step},{p.Epoch},{p.Loss:G6},{p.GradNorm:G6},{(p.Clipped ? 1 : 0)},{p.StepSeconds:F4}"));
                double rate = (trainer.Step - startStep) / sw.Elapsed.TotalSeconds;
                TimeSpan? eta = o.MaxSteps is long m2 ? TimeSpan.FromSeconds((m2 - trainer.Step) / Math.Max(rate, 1e-9)) : o.TimeBudget - sw.Elapsed;
                progress.Update($"step {trainer.Step}{(o.MaxSteps is long m3 ? "/" + m3 : "")} epoch {p.Epoch} loss {p.Loss:F4} (avg {avg:F4}) {rate:F2} steps/s ETA {ProgressLine.Eta(eta ?? TimeSpan.Zero)}");
                if (trainer.Step % o.CheckpointEvery == 0) Save();
                if (o.EvalEvery > 0 && trainer.Step % o.EvalEvery == 0) Evaluate();
            }
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
            Save();
            progress.Done();
        }
        Console.WriteLine($"Saved {o.CheckpointPath} at step {trainer.Step} ({sw.Elapsed.TotalMinutes:F1} min this session).");
        return cts.IsCancellationRequested && !ct.IsCancellationRequested ? 130 : 0;

        void Save()
        {
            trainer.SaveCheckpoint(o.CheckpointPath, o.Metadata);
            File.AppendAllLines(log, logLines);
            logLines.Clear();
        }

        void Evaluate()
        {
            var sizes = model.SizeDistribution!.Sample(o.EvalSamples, seed: trainer.Step);
            IReadOnlyList<Molecule> mols;
            using (trainer.UseEmaWeights())
                mols = new DiffusionSampler(model).Sample(SamplingPlan.Efficient(sizes, 100, contexts: Conditioning.Contexts(model, sizes, null, trainer.Step)), seed: trainer.Step, device: o.Device);
            var res = evaluator.Evaluate(mols);
            double single = res.Molecules.Count(m => m.FragmentCount == 1) / (double)res.Molecules.Count;
            File.AppendAllText(evalLog, string.Create(CultureInfo.InvariantCulture,
                $"{trainer.Step},{mols.Count},{res.AtomStability:F4},{res.MoleculeStability:F4},{res.Validity:F4},{res.ValidAndUnique:F4},{single:F4}\n"));
            progress.Done();
            Console.WriteLine($"[eval step {trainer.Step}] {mols.Count} samples: atom stability {res.AtomStability:P1}, molecule stability {res.MoleculeStability:P1}, validity {res.Validity:P1}, single fragment {single:P1}");
        }
    }
}
