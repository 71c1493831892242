using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace V2V.Core.Jobs;

/// <summary>
/// Walks a YAML text's parser events — no node is built — and refuses, at the line and column
/// where the limit is crossed, what would make building the node tree hang or crash: nesting deeper
/// than <see cref="MaxDepth"/> (building recurses per level; 60,000 levels overflow the stack), and
/// aliases that expand the document past <see cref="MaxExpandedNodes"/> nodes (ten aliases of ten
/// aliases of ... grow ×10 per level, and mapping keys are hashed over their whole expansion). An
/// alias must name an anchor whose node is complete: an alias inside its own anchor's node would
/// make a cyclic tree.
/// </summary>
public static class YamlBudget
{
    /// <summary>Collections inside collections; a pipeline needs 6 (jobs, a job, chain, a step, ...).</summary>
    public const int MaxDepth = 64;

    /// <summary>Scalars and collections counted once per alias that repeats them.</summary>
    public const long MaxExpandedNodes = 1_000_000;

    /// <summary>The first limit crossed, as (line, column, message), or null when the text is within budget.</summary>
    /// <exception cref="YamlException">A syntax error, located by the parser.</exception>
    public static (long Line, long Column, string Message)? Check(string text)
    {
        var parser = new Parser(new StringReader(text));
        var open = new Stack<(long Nodes, string? Anchor)>();
        var complete = new Dictionary<string, long>(StringComparer.Ordinal);
        var opened = new HashSet<string>(StringComparer.Ordinal);
        long total = 0;
        while (Next(parser))
        {
            var current = parser.Current!;
            long nodes;
            switch (current)
            {
                case MappingStart or SequenceStart:
                    if (open.Count >= MaxDepth)
                    {
                        return At(current, $"nesting deeper than {MaxDepth} levels");
                    }

                    total++;
                    var anchor = ((NodeEvent)current).Anchor;
                    open.Push((1, anchor.IsEmpty ? null : anchor.Value));
                    if (!anchor.IsEmpty)
                    {
                        opened.Add(anchor.Value);
                    }

                    continue;
                case MappingEnd or SequenceEnd:
                    var (count, name) = open.Pop();
                    if (name is not null)
                    {
                        complete[name] = count;
                        opened.Remove(name);
                    }

                    nodes = count;
                    break;
                case Scalar scalar:
                    nodes = 1;
                    if (!scalar.Anchor.IsEmpty)
                    {
                        complete[scalar.Anchor.Value] = 1;
                    }

                    total++;
                    break;
                case AnchorAlias alias:
                    if (!complete.TryGetValue(alias.Value.Value, out nodes))
                    {
                        return At(current, opened.Contains(alias.Value.Value)
                            ? $"alias *{alias.Value.Value} is inside the node its anchor names (a cycle)"
                            : $"alias *{alias.Value.Value} names no anchor defined before it");
                    }

                    total += nodes;
                    break;
                default:
                    continue;
            }

            if (total > MaxExpandedNodes)
            {
                return At(current, $"aliases expand the document past {MaxExpandedNodes} nodes");
            }

            if (open.Count > 0)
            {
                var (parentNodes, parentAnchor) = open.Pop();
                open.Push((Math.Min(parentNodes + nodes, MaxExpandedNodes + 1), parentAnchor));
            }
        }

        return null;
    }

    /// <summary>
    /// YamlDotNet's parser throws InvalidOperationException on some malformed flow collections
    /// (": {" then a plain scalar) instead of a located YamlException; that is still bad input,
    /// reported where the last well-formed event ended.
    /// </summary>
    private static bool Next(Parser parser)
    {
        try
        {
            return parser.MoveNext();
        }
        catch (InvalidOperationException e)
        {
            var end = parser.Current?.End ?? Mark.Empty;
            throw new SyntaxErrorException(end, end, $"YAML syntax error: the parser cannot go on past this point ({e.Message})");
        }
    }

    private static (long, long, string) At(ParsingEvent at, string message) => (at.Start.Line, at.Start.Column, message);
}
