using System.Text.Json;
using System.Text.Json.Serialization;
using Stp.Backbones.Edm;
using Stp.Chemistry;
using Stp.Data;
using Stp.Diffusion;
using Stp.Prior;
using Stp.Training;
using static TorchSharp.torch;

namespace Stp.Cli;

/// <summary>
/// Everything needed to rebuild a model from a checkpoint: backbone and its options, prior, dataset features,
/// gamma_N table and p(N). Stored as JSON in the checkpoint metadata under "model".
/// </summary>
public sealed record ModelSpec
{
    public string Backbone { get; init; } = "edm";
    public EgnnOptions Egnn { get; init; } = EgnnOptions.Qm9;
    public PriorKind Prior { get; init; } = PriorKind.ScaledPrior;
    public string Dataset { get; init; } = "qm9";
    public bool IncludeAtomicNumber { get; init; } = true;
    public double[] PriorScales { get; init; } = Array.Empty<double>();
    public Dictionary<int, long> SizeHistogram { get; init; } = new();
    public int Timesteps { get; init; } = 1000;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false, Converters = { new JsonStringEnumConverter() } };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static ModelSpec FromJson(string json, string source) =>
        JsonSerializer.Deserialize<ModelSpec>(json, Json) ?? throw new InvalidDataException($"{source}: empty model description.");

    public AtomFeatures Features => new(AtomVocabulary.ForDataset(Dataset), IncludeAtomicNumber);

    public SizeDistribution Sizes => new(SizeHistogram);

    public IPriorScaler? PriorScaler => PriorScales.Length == 0 ? null : new PriorScaleTable(PriorScales, Dataset);

    /// <summary>Builds the denoiser and the diffusion model (weights freshly initialised).</summary>
    /// <param name="device">Device.</param>
    /// <param name="samplingSteps">Number of steps of the schedule used for sampling (default: the trained T). The
    /// continuous-time schedule is evaluated on that coarser grid; fewer steps sample faster and less exactly.</param>
    public (EgnnDenoiser Denoiser, EquivariantDiffusion Model) Build(Device device, int? samplingSteps = null)
    {
        if (samplingSteps is < 1) throw new UsageException($"--steps must be at least 1 (got {samplingSteps}).");
        if (Backbone != "edm") throw new NotSupportedException($"Backbone '{Backbone}' is not available yet (only 'edm').");
        var denoiser = new EgnnDenoiser(Egnn, device);
        var model = EquivariantDiffusion.Create(denoiser, Prior, PriorScaler, new PolynomialSchedule(samplingSteps ?? Timesteps),
            new DiffusionOptions { Features = Features });
        return (denoiser, model);
    }

    /// <summary>Reads a checkpoint and builds the model with its EMA weights.</summary>
    public static (ModelSpec Spec, EgnnDenoiser Denoiser, EquivariantDiffusion Model, IReadOnlyDictionary<string, string> Metadata) Load(string checkpointPath, Device device, int? samplingSteps = null)
    {
        using var ckpt = Checkpoint.Read(checkpointPath);
        if (!ckpt.Metadata.TryGetValue("model", out var json))
            throw new InvalidDataException($"{checkpointPath} has no model description (was it written by 'stp train'?).");
        var spec = FromJson(json, checkpointPath);
        var (den, model) = spec.Build(device, samplingSteps);
        ckpt.LoadEmaInto(den.Module, checkpointPath);
        return (spec, den, model, ckpt.Metadata);
    }
}
