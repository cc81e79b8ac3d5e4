using System.Net;
using Microsoft.Data.Sqlite;

namespace Cordon.Server.Tests;

/// <summary>
/// R47: the audit entry is written in the same transaction as the change, and a read is answered only once its entry
/// is durable. The audit append is made to fail for real: without its lane rows the writer cannot chain the entry.
/// </summary>
public sealed class AuditDurabilityTests : ServerTest
{
    private const string PatientName = "欧阳秘闻";

    [Fact]
    public async Task A_write_whose_audit_entry_cannot_be_chained_is_a_server_error_and_stores_nothing()
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "appointment");
        var (idNumber, _) = CordonServer.ChineseIdentifiers(7);
        await Server.WriteAsync(subject, "appointment", Patient(PatientName, idNumber));
        var records = await RowsAsync("SELECT id || ':' || version FROM records ORDER BY id");
        var lookups = await RowsAsync("SELECT kind || ':' || hex(hash) || ':' || record_id FROM lookups ORDER BY 1");
        var audit = await Server.CountAuditAsync();
        var lanes = await RowsAsync($"SELECT lane || ',' || head_seq || ',' || hex(head_hash) FROM audit_lanes WHERE tenant = '{CordonServer.Tenant}' ORDER BY lane");

        await ExecuteAsync("DELETE FROM audit_lanes");
        var (second, _) = CordonServer.ChineseIdentifiers(8);
        var (response, problem) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/records", Server.App, "appointment", Patient("司马另人", second));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("server.error", problem!["code"]!.GetValue<string>());
        Assert.Equal(records, await RowsAsync("SELECT id || ':' || version FROM records ORDER BY id"));
        Assert.Equal(lookups, await RowsAsync("SELECT kind || ':' || hex(hash) || ':' || record_id FROM lookups ORDER BY 1"));
        Assert.Equal(audit, await Server.CountAuditAsync());

        // With the lanes back, the same write succeeds and the chain has no gap where the failed entry was.
        foreach (var lane in lanes)
        {
            var parts = lane.Split(',');
            await ExecuteAsync($"INSERT INTO audit_lanes (tenant, lane, head_seq, head_hash) VALUES ('{CordonServer.Tenant}', {parts[0]}, {parts[1]}, x'{parts[2]}')");
        }

        await Server.WriteAsync(subject, "appointment", Patient("司马另人", second));
        Assert.Equal(records.Count + 1, await Server.CountRecordsAsync(subject));
        var (verify, report) = await Server.SendAsync(HttpMethod.Get, "/v1/audit/verify", Server.Dpo);
        Assert.Equal(HttpStatusCode.OK, verify.StatusCode);
        Assert.True(report!["valid"]!.GetValue<bool>(), report.ToJsonString());
    }

    [Theory]
    [InlineData("list")]
    [InlineData("one")]
    public async Task A_read_whose_audit_entry_cannot_be_written_is_a_server_error_and_serves_no_data(string read)
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "appointment");
        var (idNumber, _) = CordonServer.ChineseIdentifiers(9);
        var record = await Server.WriteAsync(subject, "appointment", Patient(PatientName, idNumber));
        var path = read == "list" ? $"/v1/subjects/{subject}/records" : $"/v1/records/{record}";
        var (served, servedText) = await GetTextAsync(path);
        Assert.Equal(HttpStatusCode.OK, served);
        Assert.Contains(PatientName, servedText, StringComparison.Ordinal);
        Assert.Contains(idNumber, servedText, StringComparison.Ordinal);
        var audit = await Server.CountAuditAsync();

        await ExecuteAsync("DELETE FROM audit_lanes");
        var (status, text) = await GetTextAsync(path);

        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.Contains("\"code\":\"server.error\"", text, StringComparison.Ordinal);
        foreach (var secret in new[] { PatientName, idNumber, record })
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(Server.Logs.Lines, l => l.Contains(PatientName, StringComparison.Ordinal) || l.Contains(idNumber, StringComparison.Ordinal));
        Assert.Equal(audit, await Server.CountAuditAsync());
    }

    private async Task<(HttpStatusCode Status, string Text)> GetTextAsync(string path)
    {
        using var request = Server.Request(HttpMethod.Get, path, Server.App, "appointment");
        using var response = await Server.Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>A Patient as the appointment purpose collects it: name and resident ID number.</summary>
    private static object Patient(string name, string idNumber) => new
    {
        resourceType = "Patient",
        name = new[] { new { text = name } },
        identifier = new[] { new { system = "urn:cordon:sid:cn-resident-id", value = idNumber } },
    };

    private string ConnectionString => $"Data Source={Path.Combine(Server.Directory, Storage.CordonStores.SqliteFileName)};Pooling=False";

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        Assert.True(await command.ExecuteNonQueryAsync() > 0, $"'{sql}' changed no row");
    }

    private async Task<List<string>> RowsAsync(string sql)
    {
        await using var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }
}
