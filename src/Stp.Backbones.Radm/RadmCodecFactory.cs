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
        ArgumentNullException.ThrowIfNull(description);
        ArgumentNullException.ThrowIfNull(context);
        var o = description.Options ?? throw new InvalidDataException($"Codec '{TypeId}' needs options (vocabulary, autoencoder).");
        try
        {
            var name = o["vocabulary"]?.GetValue<string>() ?? throw new InvalidDataException($"Codec '{TypeId}': missing 'vocabulary'.");
            var numbers = o["atomicNumbers"]?.AsArray().Select(v => v!.GetValue<int>()).ToArray();
            var vocab = numbers is { Length: > 0 } ? new AtomVocabulary(name, numbers) : AtomVocabulary.ForDataset(name);
            var features = new AtomFeatures(vocab, o["includeAtomicNumber"]?.GetValue<bool>() ?? false);
            var options = o["autoencoder"]?.Deserialize<RadmAutoencoderOptions>(ModelDescription.JsonOptions) ?? RadmAutoencoderOptions.Qm9;
            var stage = Enum.Parse<RadmStage>(o["stage"]?.GetValue<string>() ?? nameof(RadmStage.Diffusion), ignoreCase: true);
            return new RadmCodec(features, options, context.Device, stage: stage);
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"Invalid RADM codec options in the model description: {e.Message}", e);
        }
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
