using System.Data.Common;
using System.Runtime.CompilerServices;
using Cordon.Core.Security;

namespace Cordon.Storage.Sql;

/// <summary>The network access log: hash-chained segments, appended through the writer, read by time.</summary>
internal sealed partial class SqlStore
{
    private const string AccessSegmentColumns = "seq, first_at, last_at, entries, prev_hash, hash, body";

    public Task<AccessSegmentRow> AppendAccessSegmentAsync(DateTimeOffset firstAt, DateTimeOffset lastAt, int entries, byte[] body, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, async ctx =>
        {
            long seq = 0;
            var previous = new byte[32];
            await using (var reader = await ctx.Command("SELECT seq, hash FROM access_segments ORDER BY seq DESC LIMIT 1" + ctx.Dialect.ForUpdate).ExecuteReaderAsync())
            {
                if (await reader.ReadAsync())
                {
                    seq = reader.GetInt64(0);
                    previous = (byte[])reader.GetValue(1);
                }
            }

            var row = new AccessSegmentRow(seq + 1, firstAt, lastAt, entries, previous, AccessLogSegment.ChainHash(previous, body), body);
            await ctx.Command($"INSERT INTO access_segments ({AccessSegmentColumns}) VALUES (@seq, @first, @last, @entries, @prev, @hash, @body)")
                .Add("seq", row.Seq).Add("first", firstAt.ToUnixTimeMilliseconds()).Add("last", lastAt.ToUnixTimeMilliseconds()).Add("entries", entries)
                .Add("prev", row.PreviousHash).Add("hash", row.Hash).Add("body", body)
                .ExecuteNonQueryAsync();
            return row;
        });

    public Task<IReadOnlyList<AccessSegmentRow>> ListAccessSegmentsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
        => QueryAsync(
            $"SELECT {AccessSegmentColumns} FROM access_segments WHERE last_at >= @from AND first_at <= @to ORDER BY seq",
            c => c.Add("from", from.ToUnixTimeMilliseconds()).Add("to", to.ToUnixTimeMilliseconds()),
            ReadAccessSegment,
            cancellationToken);

    public async IAsyncEnumerable<AccessSegmentRow> ReadAccessChainAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await _dialect.OpenAsync(forWrites: false, cancellationToken);
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = $"SELECT {AccessSegmentColumns} FROM access_segments ORDER BY seq";
        await using var reader = await cmd.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return ReadAccessSegment(reader);
        }
    }

    public Task<int> PruneAccessSegmentsAsync(DateTimeOffset before, CancellationToken cancellationToken)
        => _writer.RunAsync(cancellationToken, async ctx =>
            await ctx.Command("DELETE FROM access_segments WHERE seq < COALESCE((SELECT MIN(seq) FROM access_segments WHERE last_at >= @before), (SELECT MAX(seq) + 1 FROM access_segments))")
                .Add("before", before.ToUnixTimeMilliseconds()).ExecuteNonQueryAsync());

    private static AccessSegmentRow ReadAccessSegment(DbDataReader r)
        => new(r.GetInt64(0), Time(r.GetInt64(1)), Time(r.GetInt64(2)), r.GetInt32(3), (byte[])r.GetValue(4), (byte[])r.GetValue(5), (byte[])r.GetValue(6));
}
