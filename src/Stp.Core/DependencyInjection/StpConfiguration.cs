using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Stp.Data;
using Stp.Diffusion;
using Stp.Models;
using Stp.Prior;
using Stp.Training;
using static TorchSharp.torch;

namespace Stp.DependencyInjection;

/// <summary>
/// The Stp options of an <see cref="IConfiguration"/> section, read and checked by <c>AddStp</c> before anything is
/// built. Shape of the section (keys are case-insensitive; every key is optional unless said):
/// <code>
/// "Stp": {
///   "Device": "cpu",                      // cpu, cuda or cuda:N
///   "Model": "models/qm9.safetensors",    // a trained model file; or describe a new model with the keys below
///   "Denoiser": { "Type": "edm.egnn", "Options": { "HiddenFeatures": 64, "Layers": 4 } },  // required for a new model
///   "Dataset": "qm9",                     // qm9 or geom: the atom features of the default codec and the published gamma_N
///   "Codec": { "Type": "edm.features", "Options": { } },   // default: EDM's one-hot features of Dataset
///   "Schedule": { "Kind": "polynomial", "Timesteps": 1000, "Power": 2, "Precision": 1e-5 },
///   "Prior": "stp",                       // stp (Scaling the Prior), none (plain EDM) or normalize (the "-N" ablation)
///   "PriorScale": "published",            // published (the paper's gamma_N of Dataset) or a JSON table from `stp scale`
///   "Trainer": { "LearningRate": 1e-4, "BatchSize": 64, "EmaDecay": 0.999, "Seed": 1 },  // TrainerOptions properties
///   "Training": { "Data": "data/qm9.xyz.gz", "Split": "qm9" }  // registers a DiffusionTrainer; Split: qm9, geom or none
/// }
/// </code>
/// </summary>
public sealed class StpConfiguration
{
    private static readonly string[] Keys = ["Device", "Model", "Denoiser", "Dataset", "Codec", "Schedule", "Prior", "PriorScale", "Trainer", "Training"];

    private StpConfiguration(string section) => Section = section;

    /// <summary>Path of the configuration section, named in every error.</summary>
    public string Section { get; }

    /// <summary>The device everything is built on.</summary>
    public Device Device { get; private set; } = CPU;

    /// <summary>A trained model file to load, or null for a new model.</summary>
    public string? ModelFile { get; private set; }

    /// <summary>The description of a new model (null when <see cref="ModelFile"/> is set).</summary>
    public ModelDescription? Model { get; private set; }

    /// <summary>The trainer's options (defaults where the section has none).</summary>
    public TrainerOptions Trainer { get; private set; } = new();

    /// <summary>The training data file, or null when no trainer is configured.</summary>
    public string? TrainingData { get; private set; }

    /// <summary>How the training split is taken from <see cref="TrainingData"/>: "qm9", "geom" (EDM's splits, seed 0) or "none" (all molecules).</summary>
    public string TrainingSplit { get; private set; } = "none";

    /// <summary>
    /// Reads and checks a section: unknown keys, values that do not parse, options a component refuses (the new model is
    /// built once on libtorch's meta device, which allocates nothing), missing files. Errors name the key.
    /// </summary>
    /// <exception cref="InvalidOperationException">The section is invalid; the message names the key and the value.</exception>
    public static StpConfiguration Read(IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var path = section is IConfigurationSection s ? s.Path : "(root)";
        var c = new StpConfiguration(path);
        foreach (var child in section.GetChildren())
            if (!Keys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
                throw c.Bad(child.Key, $"is not an Stp setting (known: {string.Join(", ", Keys)})");
        c.Device = ParseDevice(section["Device"] ?? "cpu", c);
        c.ModelFile = section["Model"];
        if (c.ModelFile is not null)
        {
            foreach (var key in new[] { "Denoiser", "Codec", "Schedule", "Prior", "PriorScale" })
                if (section.GetSection(key).Exists()) throw c.Bad(key, "cannot be set together with Model (a model file carries its own)");
            if (!File.Exists(c.ModelFile) && !File.Exists(c.ModelFile + ".safetensors")) throw c.Bad("Model", $"file '{c.ModelFile}' not found");
        }
        else
        {
            c.Model = c.Describe(section);
        }
        c.Trainer = c.ReadTrainer(section.GetSection("Trainer"));
        var training = section.GetSection("Training");
        foreach (var child in training.GetChildren())
            if (!child.Key.Equals("Data", StringComparison.OrdinalIgnoreCase) && !child.Key.Equals("Split", StringComparison.OrdinalIgnoreCase)) throw c.Bad("Training:" + child.Key, "is not a training setting (Data, Split)");
        c.TrainingData = training["Data"];
        if (c.TrainingData is not null && !File.Exists(c.TrainingData) && !Directory.Exists(c.TrainingData)) throw c.Bad("Training:Data", $"'{c.TrainingData}' not found");
        c.TrainingSplit = (training["Split"] ?? "none").ToLowerInvariant();
        if (c.TrainingSplit is not ("qm9" or "geom" or "none")) throw c.Bad("Training:Split", $"'{training["Split"]}' is not qm9, geom or none");
        return c;
    }

    /// <summary>Builds the model: the file loaded, or the description with freshly initialised weights, on <see cref="Device"/>.</summary>
    public DiffusionModel BuildModel() => ModelFile is not null ? DiffusionModel.Load(ModelFile, Device) : Model!.Build(Device);

    /// <summary>Loads the training split of <see cref="TrainingData"/>.</summary>
    public IReadOnlyList<Stp.Chemistry.Molecule> LoadTrainingSet()
    {
        if (TrainingData is null) throw new InvalidOperationException($"{Section}:Training:Data is not set: there is no training data to load.");
        var all = MoleculeDatasets.Load(TrainingData);
        return TrainingSplit switch
        {
            "qm9" => MoleculeDatasets.SplitQm9(all, seed: 0).Train,
            "geom" => MoleculeDatasets.SplitGeom(all, seed: 0).Train,
            _ => all,
        };
    }

    private ModelDescription Describe(IConfiguration section)
    {
        var denoiser = section.GetSection("Denoiser");
        if (!denoiser.Exists()) throw Bad("Denoiser", "is required for a new model (or set Model to a trained model file)");
        var dataset = (section["Dataset"] ?? "qm9").ToLowerInvariant();
        if (dataset is not ("qm9" or "geom")) throw Bad("Dataset", $"'{section["Dataset"]}' is not qm9 or geom");
        var features = dataset == "qm9" ? AtomFeatures.Qm9 : AtomFeatures.GeomDrugs;
        var codec = section.GetSection("Codec").Exists()
            ? Component(section.GetSection("Codec"), "Codec")
            : new Codecs.EdmFeatureCodec(features).Describe();
        var prior = (section["Prior"] ?? "stp").ToLowerInvariant() switch
        {
            "stp" or "scaledprior" => PriorKind.ScaledPrior,
            "none" or "unit" => PriorKind.Unit,
            "normalize" or "normalizedcoordinates" => PriorKind.NormalizedCoordinates,
            _ => throw Bad("Prior", $"'{section["Prior"]}' is not stp, none or normalize"),
        };
        PriorDescription priorDescription = new(PriorKind.Unit);
        if (prior != PriorKind.Unit)
        {
            var scale = section["PriorScale"] ?? "published";
            PriorScaleTable table;
            if (scale.Equals("published", StringComparison.OrdinalIgnoreCase))
                table = dataset == "qm9" ? PriorScaleTable.PublishedQm9 : PriorScaleTable.PublishedGeomDrugs;
            else
            {
                try { table = PriorScaleTable.Load(scale); }
                catch (Exception e) when (e is IOException or InvalidDataException or JsonException or ArgumentException)
                { throw Bad("PriorScale", $"'{scale}' is not 'published' or a readable gamma_N table ({e.Message.TrimEnd('.')})"); }
            }
            priorDescription = new PriorDescription(prior, table.Name, table.Gammas.ToArray());
        }
        ScheduleDescription schedule;
        var scheduleSection = section.GetSection("Schedule");
        if (scheduleSection.Exists())
        {
            try { schedule = ToJson(scheduleSection).Deserialize<ScheduleDescription>(ModelDescription.JsonOptions)!; }
            catch (Exception e) when (e is JsonException or ArgumentException or NotSupportedException)
            { throw Bad("Schedule", $"cannot be read ({e.Message.TrimEnd('.')}); expected Kind, Timesteps and the kind's parameters"); }
        }
        else
        {
            schedule = ScheduleDescription.Of(PolynomialSchedule.Edm);
        }
        var description = new ModelDescription
        {
            Denoiser = Component(denoiser, "Denoiser"),
            Codec = codec,
            Schedule = schedule,
            Prior = priorDescription,
        };
        var source = $"configuration section '{Section}'";
        try
        {
            description.Validate(source);
            using var probe = description.Build(new Device(TorchSharp.DeviceType.META)); // every constructor checks its options; nothing is allocated
        }
        catch (Exception e) when (e is DataFileException or InvalidDataException or ArgumentException or InvalidOperationException or NotSupportedException)
        {
            throw new InvalidOperationException($"Invalid Stp configuration in section '{Section}': {e.Message}", e);
        }
        return description;
    }

    private ComponentDescription Component(IConfigurationSection component, string key)
    {
        foreach (var child in component.GetChildren())
            if (!child.Key.Equals("Type", StringComparison.OrdinalIgnoreCase) && !child.Key.Equals("Options", StringComparison.OrdinalIgnoreCase) && !child.Key.Equals("Assembly", StringComparison.OrdinalIgnoreCase))
                throw Bad($"{key}:{child.Key}", "is not a component setting (Type, Options, Assembly)");
        var type = component["Type"];
        if (string.IsNullOrWhiteSpace(type)) throw Bad($"{key}:Type", "is required (e.g. edm.egnn for EDM's EGNN, a backbone package's registered type)");
        var options = component.GetSection("Options");
        return new ComponentDescription(type, options.Exists() ? (JsonObject)ToJson(options) : null, component["Assembly"]);
    }

    private TrainerOptions ReadTrainer(IConfigurationSection section)
    {
        var options = new TrainerOptions();
        foreach (var child in section.GetChildren())
        {
            var property = typeof(TrainerOptions).GetProperty(child.Key, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            var type = property?.PropertyType;
            if (property is null || !property.CanWrite || type is null || !(type == typeof(double) || type == typeof(int) || type == typeof(long) || type == typeof(bool)))
                throw Bad("Trainer:" + child.Key, "is not a trainer setting (LearningRate, WeightDecay, AmsGrad, EmaDecay, ClipGradients, BatchSize, Seed, MaxSkippedSteps, SkipInvalidMolecules)");
            object value;
            try
            {
                value = type == typeof(bool) ? bool.Parse(child.Value!) : Convert.ChangeType(child.Value!, type, CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is FormatException or OverflowException or ArgumentNullException or InvalidCastException)
            {
                throw Bad("Trainer:" + child.Key, $"'{child.Value}' is not a {type.Name}");
            }
            // The options' init accessors check their values: set through them, so a refused value names its rule.
            try { property.SetValue(options, value); }
            catch (TargetInvocationException e) when (e.InnerException is ArgumentException inner)
            {
                var rule = inner.Message.Split(" (Parameter")[0].Split('\n')[0].Trim();
                throw Bad("Trainer:" + child.Key, $"{rule} (got {child.Value})");
            }
        }
        return options;
    }

    private static Device ParseDevice(string name, StpConfiguration c)
    {
        if (!Runtime.TorchRuntime.TryParseDeviceName(name, out _)) throw c.Bad("Device", $"'{name}' is not cpu, cuda or cuda:N");
        try { return Runtime.TorchRuntime.ResolveDevice(name); }
        catch (ArgumentException e) { throw c.Bad("Device", e.Message.Split(" (Parameter")[0].TrimEnd('.')); }
    }

    private InvalidOperationException Bad(string key, string problem) => new($"Invalid Stp configuration: {Section}:{key} {problem}.");

    /// <summary>A configuration subtree as JSON: children named 0..n-1 become arrays, true/false booleans, numbers numbers.</summary>
    internal static JsonNode ToJson(IConfigurationSection section)
    {
        var children = section.GetChildren().ToList();
        if (children.Count == 0)
        {
            var v = section.Value;
            if (v is null) return new JsonObject();
            if (bool.TryParse(v, out var b)) return JsonValue.Create(b);
            if (long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l)) return JsonValue.Create(l);
            if (double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) return JsonValue.Create(d);
            return JsonValue.Create(v);
        }
        if (children.Select((ch, i) => ch.Key == i.ToString(CultureInfo.InvariantCulture)).All(x => x))
            return new JsonArray(children.Select(ch => (JsonNode?)ToJson(ch)).ToArray());
        var o = new JsonObject();
        foreach (var ch in children) o[ch.Key] = ToJson(ch);
        return o;
    }
}
