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

    /// <summary>Reads the JSON form; <paramref name="source"/> names the file in errors.</summary>
    public static ModelDescription FromJson(string json, string source)
    {
        try
        {
            var d = JsonSerializer.Deserialize<ModelDescription>(json, JsonOptions) ?? throw new InvalidDataException($"{source}: empty model description.");
            if (d.Format != CurrentFormat) throw new InvalidDataException($"{source}: unknown model format '{d.Format}' (this version reads {CurrentFormat}).");
            return d;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: invalid model description ({e.Message}).", e);
        }
    }
}
