using System.Text.Json;
using System.Text.Json.Nodes;
using Stp.Backbones.Edm;
using Stp.Chemistry;
using Stp.Data;
using Stp.Models;

[assembly: ModelComponentFactory(typeof(Stp.Backbones.GeoLdm.GeoLdmCodecFactory))]

namespace Stp.Backbones.GeoLdm;

/// <summary>
/// Rebuilds a <see cref="GeoLdmCodec"/> from a model file's description (type "geoldm.autoencoder"; options: the atom
/// features, L, the encoder's block count, sigma_0 and the shared EGNN settings). The latent denoiser of a GeoLDM
/// model is EDM's EGNN (<see cref="EgnnDenoiser"/>, "edm.egnn"), rebuilt by <see cref="EgnnDenoiserFactory"/>.
/// Announced by an assembly attribute, so <c>DiffusionModel.Load</c> finds it once this package is referenced.
/// </summary>
public sealed class GeoLdmCodecFactory : IModelComponentFactory
{
    /// <summary>The component type id.</summary>
    public const string TypeId = "geoldm.autoencoder";

    /// <inheritdoc />
    public string Type => TypeId;

    /// <inheritdoc />
    public object Create(ComponentDescription description, ModelBuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (options, latentNoise) = ReadOptions(description);
        return ComponentOptions.Read("GeoLDM codec", () => new GeoLdmCodec(options, latentNoise ?? context.Model.Schedule.Build().Sigma(0), context.Device));
    }

    /// <inheritdoc />
    public void CheckWeights(ComponentDescription description, IReadOnlyDictionary<string, long[]> shapes, string source)
    {
        var options = ReadOptions(description).Options;
        int features = options.Features.Count;
        EgnnDenoiserFactory.CheckEgnnWeights(options.Egnn with { Layers = options.EncoderLayers }, shapes, "encoder.egnn.", source, features, options.Egnn.HiddenFeatures);
        EgnnDenoiserFactory.CheckEgnnWeights(options.Egnn, shapes, "decoder.egnn.", source, options.LatentFeatures, features);
    }

    private static (GeoLdmOptions Options, double? LatentNoise) ReadOptions(ComponentDescription description)
    {
        ArgumentNullException.ThrowIfNull(description);
        var o = description.Options ?? throw new InvalidDataException($"Codec '{TypeId}' needs options (vocabulary, latentFeatures, egnn).");
        return ComponentOptions.Read("GeoLDM codec", () =>
        {
            var name = o["vocabulary"]?.GetValue<string>() ?? throw new InvalidDataException($"Codec '{TypeId}': missing 'vocabulary'.");
            var numbers = o["atomicNumbers"]?.AsArray().Select(v => v?.GetValue<int>() ?? -1).ToArray();
            var vocabulary = Vocabulary(name, numbers);
            var options = new GeoLdmOptions
            {
                Features = new AtomFeatures(vocabulary, o["includeAtomicNumber"]?.GetValue<bool>() ?? false),
                LatentFeatures = o["latentFeatures"]?.GetValue<int>() ?? throw new InvalidDataException($"Codec '{TypeId}': missing 'latentFeatures'."),
                EncoderLayers = o["encoderLayers"]?.GetValue<int>() ?? 1,
                Egnn = o["egnn"]?.Deserialize<EgnnOptions>(ModelDescription.JsonOptions) ?? throw new InvalidDataException($"Codec '{TypeId}': missing 'egnn'."),
            };
            return (options, o["latentNoise"]?.GetValue<double>());
        });
    }

    /// <summary>The named dataset vocabulary when the atomic numbers are its own (or absent), else a custom one.</summary>
    private static AtomVocabulary Vocabulary(string name, int[]? numbers)
    {
        var known = name.ToLowerInvariant() switch { "qm9" => AtomVocabulary.Qm9, "geom" => AtomVocabulary.GeomDrugs, _ => null };
        if (known is not null && (numbers is null || known.AtomicNumbers.SequenceEqual(numbers))) return known;
        return numbers is { Length: > 0 } ? new AtomVocabulary(name, numbers) : AtomVocabulary.ForDataset(name);
    }

    /// <summary>The description of <paramref name="codec"/>.</summary>
    public static ComponentDescription Describe(GeoLdmCodec codec)
    {
        ArgumentNullException.ThrowIfNull(codec);
        var o = codec.Options;
        return new(TypeId, new JsonObject
        {
            ["vocabulary"] = o.Features.Vocabulary.Name,
            ["atomicNumbers"] = new JsonArray(o.Features.Vocabulary.AtomicNumbers.Select(z => (JsonNode?)JsonValue.Create(z)).ToArray()),
            ["includeAtomicNumber"] = o.Features.IncludeAtomicNumber,
            ["latentFeatures"] = o.LatentFeatures,
            ["encoderLayers"] = o.EncoderLayers,
            ["latentNoise"] = codec.LatentNoise,
            ["egnn"] = JsonSerializer.SerializeToNode(o.Egnn, ModelDescription.JsonOptions),
        }, typeof(GeoLdmCodecFactory).Assembly.GetName().Name);
    }
}
