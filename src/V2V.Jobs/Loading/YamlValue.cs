using System.Globalization;
using V2V.Core;
using V2V.Core.Pipeline;
using YamlDotNet.RepresentationModel;

namespace V2V.Jobs.Loading;

/// <summary>
/// One value of a job file with the place it was written. Typed reads report a wrong value at
/// that place as <c>FILE:LINE:COL: message</c> and return null, so a reader collects every problem
/// of a file rather than stopping at the first. Section readers outside the loader (a target
/// adapter's <c>hyperv:</c>, a source provider's settings) read their part through this type and
/// never see the YAML library.
/// </summary>
public sealed class YamlValue
{
    private readonly YamlNode _node;
    private readonly JobFileContext _file;

    internal YamlValue(YamlNode node, JobFileContext file)
    {
        _node = node;
        _file = file;
    }

    /// <summary>Where the value starts (1-based line and column).</summary>
    public YamlLocation At => _file.At(_node);

    /// <summary>True for a mapping (<c>key: value</c> pairs).</summary>
    public bool IsMapping => _node is YamlMappingNode;

    /// <summary>Reports a problem at this value.</summary>
    public void Error(string message) => _file.Error(_node, message);

    /// <summary>
    /// The mapping's keys, checked against <paramref name="allowed"/> (each other key is reported as
    /// unknown, listing the allowed ones); null, with <paramref name="notAMapping"/> reported here,
    /// when the value is not a mapping.
    /// </summary>
    public YamlFields? Fields(string notAMapping, IReadOnlyList<string> allowed)
    {
        if (_node is not YamlMappingNode mapping)
        {
            Error(notAMapping);
            return null;
        }

        var result = new Dictionary<string, YamlValue>(StringComparer.Ordinal);
        foreach (var (key, value) in mapping.Children)
        {
            string name = (key as YamlScalarNode)?.Value ?? "";
            if (!allowed.Contains(name, StringComparer.Ordinal))
            {
                _file.Error(key, $"unknown key \"{name}\" (expected one of: {string.Join(", ", allowed)})");
                continue;
            }

            result[name] = new YamlValue(value, _file);
        }

        return new YamlFields(this, result);
    }

    /// <summary>The value of <paramref name="key"/> in a mapping, unchecked (to choose a reader by it); null when absent or not a mapping.</summary>
    public YamlValue? Peek(string key) =>
        _node is YamlMappingNode mapping && mapping.Children.FirstOrDefault(p => p.Key is YamlScalarNode { Value: { } k } && k == key).Value is { } value
            ? new YamlValue(value, _file)
            : null;

    /// <summary>A mapping's pairs in file order, keys unchecked (for maps whose keys are the user's names); null when not a mapping.</summary>
    public IReadOnlyList<(YamlValue Key, YamlValue Value)>? Pairs() =>
        _node is YamlMappingNode mapping ? [.. mapping.Children.Select(p => (new YamlValue(p.Key, _file), new YamlValue(p.Value, _file)))] : null;

    /// <summary>The items of a list, possibly empty; null, with <paramref name="problem"/> reported here, for anything else.</summary>
    public IReadOnlyList<YamlValue>? List(string problem)
    {
        if (_node is YamlSequenceNode list)
        {
            return [.. list.Children.Select(item => new YamlValue(item, _file))];
        }

        Error(problem);
        return null;
    }

    /// <summary>The items of a non-empty list; null, with <paramref name="problem"/> reported here, for anything else.</summary>
    public IReadOnlyList<YamlValue>? NonEmptyList(string problem)
    {
        if (_node is YamlSequenceNode { Children.Count: > 0 } list)
        {
            return [.. list.Children.Select(item => new YamlValue(item, _file))];
        }

        Error(problem);
        return null;
    }

    /// <summary>A scalar's text; null (reported) for a mapping or a list.</summary>
    public string? Text()
    {
        if (_node is YamlScalarNode { Value: { } value })
        {
            return value;
        }

        Error("expected a plain value here");
        return null;
    }

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public int? Number(int min, int max)
    {
        if (Text() is not { } text)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
        {
            Error($"\"{text}\" is not a whole number from {min} to {max}");
            return null;
        }

        return value;
    }

    /// <summary>true/yes/on or false/no/off.</summary>
    public bool? Bool()
    {
        switch (Text())
        {
            case "true" or "yes" or "on":
                return true;
            case "false" or "no" or "off":
                return false;
            case { } other:
                Error($"\"{other}\" is not true or false");
                return null;
            default:
                return null;
        }
    }

    /// <summary>Bytes, or a number with a binary unit (<see cref="ByteSize.TryParse"/>).</summary>
    public long? Size()
    {
        if (Text() is not { } text)
        {
            return null;
        }

        if (ByteSize.TryParse(text) is { } value)
        {
            return value;
        }

        Error($"\"{text}\" is not a size (examples: 1048576, 1MiB, 32MiB)");
        return null;
    }

    /// <summary>A content digest's name (<see cref="DigestAlgorithm.All"/>).</summary>
    public DigestAlgorithm? Digest()
    {
        var text = Text();
        var algorithm = text is null ? null : DigestAlgorithm.Find(text);
        if (text is not null && algorithm is null)
        {
            Error($"unknown digest \"{text}\" (known: {string.Join(", ", DigestAlgorithm.All.Select(a => a.Name))})");
        }

        return algorithm;
    }

    /// <summary>
    /// A local path written here, made absolute: relative paths are relative to the job file's
    /// folder and must stay in it (a path that climbs out with ".." must be written absolute, so the
    /// user named the place); absolute paths and <c>/dev/</c> devices are kept as written.
    /// </summary>
    public string Resolve(string path) => _file.Resolve(_node, path);
}

/// <summary>A mapping's keys after <see cref="YamlValue.Fields"/> checked them.</summary>
public sealed class YamlFields(YamlValue mapping, IReadOnlyDictionary<string, YamlValue> fields)
{
    /// <summary>The mapping itself (for problems about it as a whole: a missing key).</summary>
    public YamlValue Mapping => mapping;

    public YamlLocation At => mapping.At;

    public bool TryGet(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out YamlValue? value) => fields.TryGetValue(key, out value);

    /// <summary>Reports a problem at the mapping.</summary>
    public void Error(string message) => mapping.Error(message);
}
