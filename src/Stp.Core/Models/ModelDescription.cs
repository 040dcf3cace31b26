using System.Text.Json;
using System.Text.Json.Serialization;
using Stp.Codecs;
using Stp.Data;
using Stp.Diffusion;
using Stp.Objectives;
using static TorchSharp.torch;

namespace Stp.Models;

/// <summary>
/// Everything needed to rebuild a <see cref="DiffusionModel"/> without its weights: denoiser and codec (type + options),
/// schedule, prior and gamma_N table, objective, p(N), the context normalisation and p(c | N). Saved as JSON beside the weights.
/// </summary>
public sealed record ModelDescription
{
    /// <summary>The format written by this version.</summary>
    public const string CurrentFormat = "stp-model/1";

    /// <summary>JSON conventions of model files: camelCase, enums as strings, case-insensitive reading.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Format tag.</summary>
    public string Format { get; init; } = CurrentFormat;

    /// <summary>The denoiser.</summary>
    public required ComponentDescription Denoiser { get; init; }

    /// <summary>The codec (without the "-N" decorator, which <see cref="Prior"/> implies).</summary>
    public required ComponentDescription Codec { get; init; }

    /// <summary>The base schedule (without the StP decorator, which <see cref="Prior"/> implies).</summary>
    public required ScheduleDescription Schedule { get; init; }

    /// <summary>The prior.</summary>
    public PriorDescription Prior { get; init; } = new(PriorKind.Unit);

    /// <summary>The training objective: "epsilon", "flow-matching", or the type id of a registered objective factory.</summary>
    public string Objective { get; init; } = "epsilon";

    /// <summary>p(N): molecules per atom count in the training data.</summary>
    public Dictionary<int, long>? Sizes { get; init; }

    /// <summary>Context normalisation of a conditional model.</summary>
    public ContextProperties? Context { get; init; }

    /// <summary>p(c | N) of a conditional model (optional: absent in files written before it and for unconditional models).</summary>
    public PropertyDistribution? PropertyDistribution { get; init; }

    /// <summary>Describes a model (throws naming the component that cannot describe itself).</summary>
    public static ModelDescription Of(DiffusionModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var codec = model.Codec is NormalizedCoordinatesCodec n ? n.Inner : model.Codec;
        return new ModelDescription
        {
            Denoiser = Describe(model.Denoiser, "denoiser"),
            Codec = Describe(codec, "codec"),
            Schedule = ScheduleDescription.Of(model.BaseSchedule),
            Prior = PriorDescription.Of(model),
            Objective = model.Objective.Name,
            Sizes = model.SizeDistribution?.Counts.ToDictionary(kv => kv.Key, kv => kv.Value),
            Context = model.Context,
            PropertyDistribution = model.PropertyDistribution,
        };
    }

    private static ComponentDescription Describe(object component, string role) => component is IDescribedComponent d
        ? d.Describe()
        : throw new NotSupportedException($"The {role} {component.GetType().Name} cannot be saved: it does not implement IDescribedComponent (and needs a registered IModelComponentFactory to be loaded).");

    /// <summary>Builds the model with freshly initialised weights on <paramref name="device"/>.</summary>
    public DiffusionModel Build(Device device)
    {
        var ctx = new ModelBuildContext(device, this);
        var denoiser = ModelComponents.Create<IDenoiser>(Denoiser, ctx);
        IMoleculeCodec codec = ModelComponents.Create<IMoleculeCodec>(Codec, ctx);
        var objective = Objective switch
        {
            "epsilon" => (ITrainingObjective)EpsilonObjective.Instance,
            FlowMatchingObjective.ObjectiveName => FlowMatchingObjective.Instance,
            // Any other objective is rebuilt by a registered factory (e.g. a backbone's own stage objective; the codec's
            // package, loaded above, announces it).
            _ => ModelComponents.Create<ITrainingObjective>(new ComponentDescription(Objective), ctx),
        };
        INoiseSchedule schedule = Schedule.Build();
        var table = Prior.Build();
        if (Prior.Kind == PriorKind.ScaledPrior) schedule = new ScaledPriorSchedule(schedule, table!);
        if (Prior.Kind == PriorKind.NormalizedCoordinates) codec = new NormalizedCoordinatesCodec(codec, table!);
        return new DiffusionModel(denoiser, schedule, codec, objective)
        {
            SizeDistribution = Sizes is { Count: > 0 } ? new SizeDistribution(Sizes) : null,
            Context = Context,
            PropertyDistribution = PropertyDistribution,
        };
    }

    /// <summary>The JSON form.</summary>
    public string ToJson(bool indented = true) =>
        JsonSerializer.Serialize(this, indented ? JsonOptions : new JsonSerializerOptions(JsonOptions) { WriteIndented = false });

    /// <summary>Reads the JSON form and checks it (<see cref="Validate"/>); <paramref name="source"/> names the file in errors.</summary>
    /// <exception cref="DataFileException">Not valid JSON, a missing or wrong value, an unknown format, or a value <see cref="Validate"/> refuses.</exception>
    public static ModelDescription FromJson(string json, string source)
    {
        ModelDescription? d;
        try
        {
            d = JsonSerializer.Deserialize<ModelDescription>(json, JsonOptions);
        }
        catch (JsonException e)
        {
            throw new DataFileException(source, $"invalid model description: the JSON is truncated, malformed or holds a wrong value near {e.Path ?? "the start"} (line {e.LineNumber + 1}, byte {e.BytePositionInLine})", inner: e);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or NotSupportedException or FormatException or OverflowException)
        {
            // Constructors of the description's records (p(N), p(c | N), context statistics) refuse bad values.
            throw new DataFileException(source, $"invalid model description ({e.Message.TrimEnd('.')})", inner: e);
        }
        if (d is null) throw new DataFileException(source, "empty model description");
        if (d.Format != CurrentFormat) throw new DataFileException(source, $"unknown model format '{XyzFile.Trunc(d.Format ?? "")}' (this version reads {CurrentFormat})");
        d.Validate(source);
        return d;
    }

    /// <summary>Most diffusion steps T a description may ask for (EDM trains with 1,000).</summary>
    public const int MaxTimesteps = 100_000;

    /// <summary>Largest molecule size a description's p(N) or gamma_N table may mention.</summary>
    public const int MaxAtoms = 100_000;

    /// <summary>
    /// Checks what a model needs before anything is built: the components are named, the schedule is known with
    /// 1 &lt;= T &lt;= <see cref="MaxTimesteps"/> (and T + 1 values when tabulated), the prior's gamma_N table is
    /// finite and non-negative, and p(N) covers sizes 1..<see cref="MaxAtoms"/> with non-negative counts.
    /// </summary>
    /// <exception cref="DataFileException">The first value that does not fit; the message names <paramref name="source"/>.</exception>
    public void Validate(string source)
    {
        DataFileException Bad(string problem) => new(source, "invalid model description: " + problem);
        if (Denoiser is null || string.IsNullOrEmpty(Denoiser.Type)) throw Bad("no denoiser type");
        if (Codec is null || string.IsNullOrEmpty(Codec.Type)) throw Bad("no codec type");
        if (Schedule is null) throw Bad("no schedule");
        if (Schedule.Kind is not ("polynomial" or "cosine" or "linear" or "tabulated")) throw Bad($"unknown schedule kind '{XyzFile.Trunc(Schedule.Kind ?? "")}' (polynomial, cosine, linear, tabulated)");
        if (Schedule.Timesteps is < 1 or > MaxTimesteps) throw Bad($"schedule timesteps {Schedule.Timesteps} outside 1..{MaxTimesteps:N0}");
        if (Schedule.Kind == "tabulated" && Schedule.Gamma?.Length != Schedule.Timesteps + 1)
            throw Bad($"a tabulated schedule of {Schedule.Timesteps} steps needs {Schedule.Timesteps + 1} gamma values, not {Schedule.Gamma?.Length ?? 0}");
        if (Prior is null) throw Bad("no prior");
        if (Prior.Gamma is { } gamma)
        {
            if (gamma.Length > MaxAtoms + 1) throw Bad($"the gamma_N table has {gamma.Length:N0} entries (sizes up to {MaxAtoms:N0} are supported)");
            for (int n = 0; n < gamma.Length; n++)
                if (!(double.IsFinite(gamma[n]) && gamma[n] >= 0)) throw Bad($"gamma_N for N = {n} is {gamma[n]}");
        }
        if (Objective is null) throw Bad("no objective");
        if (Sizes is not null)
            foreach (var (n, count) in Sizes)
                if (n is < 1 or > MaxAtoms || count < 0) throw Bad($"p(N) has {count} molecules of size {n}");
    }

    /// <summary>
    /// Checks the description against the tensor shapes of a model file (its header, keyed "part.name") through each
    /// component factory's <see cref="IModelComponentFactory.CheckWeights"/>, before anything is built.
    /// </summary>
    /// <exception cref="DataFileException">A size in the description that the weights do not have.</exception>
    public void CheckWeights(IReadOnlyDictionary<string, long[]> shapes, string source)
    {
        ArgumentNullException.ThrowIfNull(shapes);
        ModelComponents.CheckWeights(Denoiser, WeightShapes.Under(shapes, "denoiser."), source);
        ModelComponents.CheckWeights(Codec, WeightShapes.Under(shapes, "codec."), source);
        CheckShapesOnMetaDevice(shapes, source);
    }

    /// <summary>
    /// Builds the described model on libtorch's "meta" device (shapes only, no memory) and checks every parameter and
    /// buffer against the file's tensor shapes, so that a size the factories do not check (heads, MLP ratio, layer counts,
    /// widths of any part) is refused before the real model is allocated. A component that cannot be built on the meta
    /// device is left to the strict load after building.
    /// </summary>
    private void CheckShapesOnMetaDevice(IReadOnlyDictionary<string, long[]> shapes, string source)
    {
        DiffusionModel probe;
        try { probe = Build(new TorchSharp.torch.Device(TorchSharp.DeviceType.META)); }
        catch (Exception e) when (e is not DataFileException and not OutOfMemoryException) { return; }
        using (probe)
        {
            foreach (var part in probe.Parts)
            {
                var expected = part.Module.named_parameters().Select(p => (p.name, p.parameter.shape))
                    .Concat(part.Module.named_buffers().Select(b => (b.name, b.buffer.shape)));
                foreach (var (name, shape) in expected)
                {
                    var key = part.Name + "." + name;
                    if (!shapes.TryGetValue(key, out var actual))
                    {
                        if (part.Module.named_buffers().Any(b => b.name == name)) continue; // buffers may be absent (recomputed)
                        throw new DataFileException(source, $"the description builds tensor '{key}' [{string.Join(", ", shape)}], which the file does not hold");
                    }
                    if (!actual.SequenceEqual(shape))
                        throw new DataFileException(source, $"the description builds tensor '{key}' as [{string.Join(", ", shape)}], the file holds [{string.Join(", ", actual)}]");
                }
            }
        }
    }
}
