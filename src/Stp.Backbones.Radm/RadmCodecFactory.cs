using Stp.Backbones.Edm;
using System.Text.Json;
using System.Text.Json.Nodes;
using Stp.Chemistry;
using Stp.Data;
using Stp.Models;

[assembly: ModelComponentFactory(typeof(Stp.Backbones.Radm.RadmCodecFactory))]

namespace Stp.Backbones.Radm;

/// <summary>
/// Rebuilds a <see cref="RadmCodec"/> from a model file's description (type "radm.autoencoder-codec"): the atom
/// features, the <see cref="RadmAutoencoderOptions"/> and the <see cref="RadmStage"/> (which parameters train).
/// </summary>
public sealed class RadmCodecFactory : IModelComponentFactory
{
    /// <summary>The component type id.</summary>
    public const string TypeId = "radm.autoencoder-codec";

    /// <inheritdoc />
    public string Type => TypeId;

    /// <inheritdoc />
    public object Create(ComponentDescription description, ModelBuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (features, options, stage) = ReadOptions(description);
        return ComponentOptions.Read("RADM codec", () => new RadmCodec(features, options, context.Device, stage: stage));
    }

    /// <inheritdoc />
    public void CheckWeights(ComponentDescription description, IReadOnlyDictionary<string, long[]> shapes, string source)
    {
        var (features, options, _) = ReadOptions(description);
        EgnnDenoiserFactory.CheckEgnnWeights(options.EncoderNetwork, shapes, "encoder.egnn.", source, features.Count, options.HiddenFeatures);
        WeightShapes.ExpectDimension(shapes, "decoder.gnn.embedding.weight", 0, options.HiddenFeatures, "autoencoder.network.hiddenFeatures", source);
        WeightShapes.ExpectCount(shapes, "decoder.gnn.gcl_", options.DecoderLayers, "autoencoder.decoderLayers", source);
    }

    private static (AtomFeatures Features, RadmAutoencoderOptions Options, RadmStage Stage) ReadOptions(ComponentDescription description)
    {
        ArgumentNullException.ThrowIfNull(description);
        var o = description.Options ?? throw new InvalidDataException($"Codec '{TypeId}' needs options (vocabulary, autoencoder).");
        return ComponentOptions.Read("RADM codec", () =>
        {
            var name = o["vocabulary"]?.GetValue<string>() ?? throw new InvalidDataException($"Codec '{TypeId}': missing 'vocabulary'.");
            var numbers = o["atomicNumbers"]?.AsArray().Select(v => v?.GetValue<int>() ?? -1).ToArray();
            var vocab = numbers is { Length: > 0 } ? new AtomVocabulary(name, numbers) : AtomVocabulary.ForDataset(name);
            var features = new AtomFeatures(vocab, o["includeAtomicNumber"]?.GetValue<bool>() ?? false);
            var options = o["autoencoder"]?.Deserialize<RadmAutoencoderOptions>(ModelDescription.JsonOptions) ?? RadmAutoencoderOptions.Qm9;
            var stage = Enum.Parse<RadmStage>(o["stage"]?.GetValue<string>() ?? nameof(RadmStage.Diffusion), ignoreCase: true);
            return (features, options, stage);
        });
    }

    /// <summary>The description of <paramref name="codec"/>.</summary>
    public static ComponentDescription Describe(RadmCodec codec)
    {
        ArgumentNullException.ThrowIfNull(codec);
        var f = codec.Features;
        return new(TypeId, new JsonObject
        {
            ["vocabulary"] = f.Vocabulary.Name,
            ["atomicNumbers"] = new JsonArray(f.Vocabulary.AtomicNumbers.Select(z => (JsonNode?)JsonValue.Create(z)).ToArray()),
            ["includeAtomicNumber"] = f.IncludeAtomicNumber,
            ["stage"] = codec.Stage.ToString(),
            ["autoencoder"] = JsonSerializer.SerializeToNode(codec.Options, ModelDescription.JsonOptions),
        }, typeof(RadmCodecFactory).Assembly.GetName().Name);
    }
}
