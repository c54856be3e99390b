using System.Net.WebSockets;
using System.Text.Json;
using ConsoleChat.Server;
using SampleChatServer = ConsoleChat.Server.ChatServer;

namespace RealtimeClient.IntegrationTests.ChatServer;

/// <summary>Conformance of the sample server with PROTOCOL.md, over real sockets on 127.0.0.1.</summary>
public sealed class ChatServerProtocolTests : IAsyncLifetime
{
    private SampleChatServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await SampleChatServer.StartAsync(new ChatServerOptions(), CancellationToken.None);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public void Url_IsLoopbackWsEndpoint()
    {
        Assert.Equal("ws", _server.Url.Scheme);
        Assert.Equal("127.0.0.1", _server.Url.Host);
        Assert.Equal("/ws", _server.Url.AbsolutePath);
        Assert.Equal(_server.Port, _server.Url.Port);
        Assert.NotEqual(0, _server.Port);
    }

    [Fact]
    public async Task Connect_GreetsWithSystem()
    {
        using var socket = await ChatTestClient.OpenAsync(_server.Url);
        using var other = await ChatTestClient.OpenAsync(_server.Url);

        var frame = await ChatTestClient.ReceiveFrameAsync(socket);
        Assert.Equal("system", frame.GetProperty("type").GetString());
        Assert.Equal(200, frame.GetProperty("code").GetInt32());
        Assert.Equal(JsonValueKind.Number, frame.GetProperty("timestamp").ValueKind);
        var data = frame.GetProperty("data");
        Assert.False(string.IsNullOrEmpty(data.GetProperty("connection_id").GetString()));
        Assert.Equal(JsonValueKind.Number, data.GetProperty("timestamp").ValueKind);
        var otherData = (await ChatTestClient.ReceiveFrameAsync(other)).GetProperty("data");
        Assert.NotEqual(otherData.GetProperty("connection_id").GetString(), data.GetProperty("connection_id").GetString());
    }

    [Fact]
    public async Task Auth_Succeeds_WithUserAndOnlineCount()
    {
        await using var client = await ChatTestClient.ConnectAsync(_server.Url);
        await client.SendAuthAsync("alice");

        var frame = await client.ExpectAsync("auth_success");
        Assert.Equal(200, frame.GetProperty("code").GetInt32());
        AssertRecentTimestamp(frame);
        var data = frame.GetProperty("data");
        Assert.Equal("alice", data.GetProperty("user").GetProperty("id").GetString());
        Assert.Equal("alice", data.GetProperty("user").GetProperty("username").GetString());
        Assert.Equal(1, data.GetProperty("online_count").GetInt32());
        Assert.Equal(1, _server.OnlineCount);
    }

    [Fact]
    public async Task Auth_InvalidToken_FailsThenClosesWith4001()
    {
        await using var client = await ChatTestClient.ConnectAsync(_server.Url);
        await client.SendAuthAsync("invalid-token");

        var frame = await client.ExpectAsync("auth_failed");
        Assert.Equal(401, frame.GetProperty("code").GetInt32());
        Assert.Equal((WebSocketCloseStatus)4001, await client.ExpectCloseAsync());
    }

    [Theory]
    [InlineData("""{"type":"auth"}""")]
    [InlineData("""{"type":"auth","data":{}}""")]
    [InlineData("""{"type":"auth","data":{"token":""}}""")]
    [InlineData("""{"type":"auth","data":{"token":42}}""")]
    public async Task Auth_MissingToken_IsError400_AndConnectionStaysOpen(string frame)
    {
        await using var client = await ChatTestClient.ConnectAsync(_server.Url);
        await client.SendAsync(frame);

        var error = await client.ExpectAsync("error");
        Assert.Equal(400, error.GetProperty("code").GetInt32());
        await AssertStillOpenAsync(client);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("[1,2,3]")]
    [InlineData("\"auth\"")]
    [InlineData("{}")]
    [InlineData("""{"type":5}""")]
    [InlineData("""{"type":null}""")]
    [InlineData("""{"type":"subscribe","data":{}}""")]
    [InlineData("""{"type":"message","data":{"text":"hi"},"id":7}""")]
    public async Task MalformedOrUnknownFrame_IsError400_AndConnectionStaysOpen(string frame)
    {
        await using var client = await ChatTestClient.ConnectAndAuthenticateAsync(_server.Url, "alice");
        await client.SendAsync(frame);

        var error = await client.ExpectAsync("error");
        Assert.Equal(400, error.GetProperty("code").GetInt32());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        AssertRecentTimestamp(error);
        await AssertStillOpenAsync(client);
    }

    [Fact]
    public async Task BinaryFrame_IsError400_AndConnectionStaysOpen()
    {
        await using var client = await ChatTestClient.ConnectAndAuthenticateAsync(_server.Url, "alice");
        await client.SendBinaryAsync([1, 2, 3]);

        Assert.Equal(400, (await client.ExpectAsync("error")).GetProperty("code").GetInt32());
        await AssertStillOpenAsync(client);
    }

    [Fact]
    public async Task UnknownFields_AreIgnored()
    {
        await using var client = await ChatTestClient.ConnectAsync(_server.Url);
        await client.SendAsync("""{"type":"auth","data":{"token":"alice","device":"x"},"version":3,"extra":[1]}""");

        await client.ExpectAsync("auth_success");
    }

    [Theory]
    [InlineData("""{"type":"message","data":{"text":""}}""")]
    [InlineData("""{"type":"message","data":{"text":"   \t\n"}}""")]
    [InlineData("""{"type":"message","data":{}}""")]
    [InlineData("""{"type":"message"}""")]
    public async Task Message_BlankText_IsError400(string frame)
    {
        await using var client = await ChatTestClient.ConnectAndAuthenticateAsync(_server.Url, "alice");
        await client.SendAsync(frame);

        Assert.Equal(400, (await client.ExpectAsync("error")).GetProperty("code").GetInt32());
        await AssertStillOpenAsync(client);
    }

    [Fact]
    public async Task Message_RefusedAfterAuth_IsAnErrorThatRepeatsItsId_AndNotAcked()
    {
        // PROTOCOL.md: a refused frame that carried an id gets an error repeating that id, so a client can fail that line.
        await using var client = await ChatTestClient.ConnectAndAuthenticateAsync(_server.Url, "alice");
        await client.SendAsync("""{"type":"message","data":{"text":"  "},"id":"blank-1"}""");

        var error = await client.ExpectAsync("error");
        Assert.Equal(400, error.GetProperty("code").GetInt32());
        Assert.Equal("blank-1", error.GetProperty("id").GetString());
        await AssertStillOpenAsync(client);
    }

    [Fact]
    public async Task Message_BeforeAuth_IsError401_AndNotAcked()
    {
        await using var client = await ChatTestClient.ConnectAsync(_server.Url);
        await client.SendMessageAsync("hello", id: "m-1");

        var error = await client.ExpectAsync("error");
        Assert.Equal(401, error.GetProperty("code").GetInt32());
        Assert.Equal("m-1", error.GetProperty("id").GetString());
        // Not acked: the very next frame is the answer to the heartbeat.
        await AssertStillOpenAsync(client);
    }

    [Fact]
    public async Task Message_IsBroadcastToEveryAuthenticatedConnection_SenderIncluded()
    {
        await using var alice = await ChatTestClient.ConnectAndAuthenticateAsync(_server.Url, "alice");
        await using var bob = await ChatTestClient.ConnectAndAuthenticateAsync(_server.Url, "bob");
        await using var anonymous = await ChatTestClient.ConnectAsync(_server.Url);
        await alice.ExpectAsync("user_online");

        await alice.SendMessageAsync("hello, world ✓");

        var seenByAlice = await alice.ExpectAsync("message");
        var seenByBob = await bob.ExpectAsync("message");
        Assert.Equal(seenByAlice.GetRawText(), seenByBob.GetRawText());
        Assert.Equal(200, seenByBob.GetProperty("code").GetInt32());
        var data = seenByBob.GetProperty("data");
        Assert.False(string.IsNullOrEmpty(data.GetProperty("id").GetString()));
        Assert.Equal("alice", data.GetProperty("sender").GetProperty("id").GetString());
        Assert.Equal("alice", data.GetProperty("sender").GetProperty("username").GetString());
        Assert.Equal("hello, world ✓", data.GetProperty("text").GetString());
        Assert.Equal(JsonValueKind.Number, data.GetProperty("timestamp").ValueKind);

        // A connection that never authenticated gets no broadcast: its next frame answers its heartbeat.
        await AssertStillOpenAsync(anonymous);
    }

    [Fact]
    public async Task Message_ServerIdsAreUnique()
    {
        await using var alice = await ChatTestClient.ConnectAndAuthenticateAsync(_server.Url, "alice");
        var ids = new HashSet<string>();
        for (int i = 0; i < 20; i++)
        {
            await alice.SendMessageAsync("same text");
        }

        for (int i = 0; i < 20; i++)
        {
            Assert.True(ids.Add((await alice.ExpectAsync("message")).GetProperty("data").GetProperty("id").GetString()!));
        }
    }

    [Fact]
    public async Task Message_WithId_IsAckedAfterTheBroadcast()
    {
        await using var alice = await ChatTestClient.ConnectAndAuthenticateAsync(_server.Url, "alice");
        await alice.SendMessageAsync("hi", id: "c-1");

        await alice.ExpectAsync("message");
        var ack = await alice.ExpectAsync("ack");
        Assert.Equal("c-1", ack.GetProperty("id").GetString());
        Assert.Equal(200, ack.GetProperty("code").GetInt32());
        AssertRecentTimestamp(ack);
    }

    [Fact]
    public async Task Message_ResentWithSameId_IsAckedAgainButBroadcastOnce()
    {
        await using var alice = await ChatTestClient.ConnectAndAuthenticateAsync(_server.Url, "alice");
        await alice.SendMessageAsync("once", id: "dup-1");
        await alice.ExpectAsync("message");
        await alice.ExpectAsync("ack");

        await alice.SendMessageAsync("once", id: "dup-1");
        Assert.Equal("dup-1", (await alice.ExpectAsync("ack")).GetProperty("id").GetString());

        await alice.SendMessageAsync("next", id: "dup-2");
        Assert.Equal("next", (await alice.ExpectAsync("message")).GetProperty("data").GetProperty("text").GetString());
        await alice.ExpectAsync("ack");
        Assert.Equal(1, _server.GetBroadcastCount("alice", "dup-1"));
    }

    [Fact]
    public async Task Message_ResentAfterReconnect_IsAckedAgainButBroadcastOnce()
    {
        await using var bob = await ChatTestClient.ConnectAndAuthenticateAsync(_server.Url, "bob");
        await using (var alice = await ChatTestClient.ConnectAndAuthenticateAsync(_server.Url, "alice"))
        {
            await bob.ExpectAsync("user_online");
            await alice.SendMessageAsync("survives reconnects", id: "r-1");
            await alice.ExpectAsync("message");
            await alice.ExpectAsync("ack");
            await alice.CloseAsync();
        }

        await bob.ExpectAsync("message");
        await bob.ExpectAsync("user_offline");

        await using var aliceAgain = await ChatTestClient.ConnectAndAuthenticateAsync(_server.Url, "alice");
        await bob.ExpectAsync("user_online");
        await aliceAgain.SendMessageAsync("survives reconnects", id: "r-1");
        Assert.Equal("r-1", (await aliceAgain.ExpectAsync("ack")).GetProperty("id").GetString());

        // The resend was not broadcast: the next message anyone sees is the next one.
        await aliceAgain.SendMessageAsync("after", id: "r-2");
        Assert.Equal("after", (await aliceAgain.ExpectAsync("message")).GetProperty("data").GetProperty("text").GetString());
        Assert.Equal("r-2", (await aliceAgain.ExpectAsync("ack")).GetProperty("id").GetString());
        Assert.Equal("after", (await bob.ExpectAsync("message")).GetProperty("data").GetProperty("text").GetString());
        Assert.Equal(1, _server.GetBroadcastCount("alice", "r-1"));
    }

    [Fact]
    public async Task Message_SameIdFromAnotherUser_IsNotADuplicate()
    {
        await using var alice = await ChatTestClient.ConnectAndAuthenticateAsync(_server.Url, "alice");
        await using var bob = await ChatTestClient.ConnectAndAuthenticateAsync(_server.Url, "bob");
        await alice.ExpectAsync("user_online");

        await alice.SendMessageAsync("from alice", id: "1");
        await alice.ExpectAsync("message");
        await alice.ExpectAsync("ack");
        await bob.ExpectAsync("message");

        await bob.SendMessageAsync("from bob", id: "1");
        Assert.Equal("from bob", (await bob.ExpectAsync("message")).GetProperty("data").GetProperty("text").GetString());
        await bob.ExpectAsync("ack");
    }

    [Fact]
    public async Task AuthAndHeartbeat_WithId_AreAcked()
    {
        await using var client = await ChatTestClient.ConnectAsync(_server.Url);
        await client.SendAuthAsync("alice", id: "a-1");
        await client.ExpectAsync("auth_success");
        Assert.Equal("a-1", (await client.ExpectAsync("ack")).GetProperty("id").GetString());

        await client.SendHeartbeatAsync(id: "h-1");
        await client.ExpectAsync("heartbeat");
        Assert.Equal("h-1", (await client.ExpectAsync("ack")).GetProperty("id").GetString());
    }

    [Fact]
    public async Task Heartbeat_IsAnsweredWithPong_EvenBeforeAuth()
    {
        await using var client = await ChatTestClient.ConnectAsync(_server.Url);
        await client.SendHeartbeatAsync();

        var pong = await client.ExpectAsync("heartbeat");
        Assert.Equal("pong", pong.GetProperty("message").GetString());
        Assert.Equal(200, pong.GetProperty("code").GetInt32());
        AssertRecentTimestamp(pong);
    }

    [Fact]
    public async Task Presence_UserOnlineAndOffline_GoToEveryoneElse()
    {
        await using var bob = await ChatTestClient.ConnectAndAuthenticateAsync(_server.Url, "bob");
        var alice = await ChatTestClient.ConnectAsync(_server.Url);
        await alice.SendAuthAsync("alice");
        Assert.Equal(2, (await alice.ExpectAsync("auth_success")).GetProperty("data").GetProperty("online_count").GetInt32());

        var online = await bob.ExpectAsync("user_online");
        Assert.Equal(200, online.GetProperty("code").GetInt32());
        Assert.Equal("alice", online.GetProperty("data").GetProperty("user").GetProperty("id").GetString());
        Assert.Equal("alice", online.GetProperty("data").GetProperty("user").GetProperty("username").GetString());
        Assert.Equal(2, online.GetProperty("data").GetProperty("online_count").GetInt32());
        Assert.Equal(JsonValueKind.Number, online.GetProperty("data").GetProperty("timestamp").ValueKind);

        await alice.CloseAsync();
        await alice.DisposeAsync();

        var offline = await bob.ExpectAsync("user_offline");
        Assert.Equal("alice", offline.GetProperty("data").GetProperty("user").GetProperty("id").GetString());
        Assert.Equal(1, offline.GetProperty("data").GetProperty("online_count").GetInt32());
        Assert.Equal(1, _server.OnlineCount);
    }

    [Fact]
    public async Task SameUserLoggingInAgain_KicksTheOlderConnectionWith4009()
    {
        await using var bob = await ChatTestClient.ConnectAndAuthenticateAsync(_server.Url, "bob");
        await using var older = await ChatTestClient.ConnectAndAuthenticateAsync(_server.Url, "alice");
        await bob.ExpectAsync("user_online");

        await using var newer = await ChatTestClient.ConnectAsync(_server.Url);
        await newer.SendAuthAsync("alice");
        var success = await newer.ExpectAsync("auth_success");
        Assert.Equal(2, success.GetProperty("data").GetProperty("online_count").GetInt32());

        var kicked = await older.ExpectAsync("kicked");
        Assert.Equal(409, kicked.GetProperty("code").GetInt32());
        Assert.Equal((WebSocketCloseStatus)4009, await older.ExpectCloseAsync());
        await _server.WaitForConnectionCountAsync(2).WaitAsync(ChatTestClient.Timeout);

        // Bob saw alice come online again, but never go offline; the new connection is the live one.
        Assert.Equal("alice", (await bob.ExpectAsync("user_online")).GetProperty("data").GetProperty("user").GetProperty("id").GetString());
        await newer.SendMessageAsync("still here");
        Assert.Equal("still here", (await bob.ExpectAsync("message")).GetProperty("data").GetProperty("text").GetString());
        await newer.ExpectAsync("message");
        Assert.Equal(2, _server.OnlineCount);
    }

    [Fact]
    public async Task Auth_AgainAsTheSameUser_IsConfirmedWithoutAnnouncement()
    {
        await using var bob = await ChatTestClient.ConnectAndAuthenticateAsync(_server.Url, "bob");
        await using var alice = await ChatTestClient.ConnectAndAuthenticateAsync(_server.Url, "alice");
        await bob.ExpectAsync("user_online");

        await alice.SendAuthAsync("alice");
        await alice.ExpectAsync("auth_success");
        await alice.SendMessageAsync("after re-auth");

        // Bob sees no second user_online: the next frame is the message.
        Assert.Equal("message", (await bob.ExpectAsync("message")).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Auth_AsAnotherUserOnAnAuthenticatedConnection_IsError400()
    {
        await using var alice = await ChatTestClient.ConnectAndAuthenticateAsync(_server.Url, "alice");

        await alice.SendAuthAsync("mallory");

        Assert.Equal(400, (await alice.ExpectAsync("error")).GetProperty("code").GetInt32());
        await alice.SendMessageAsync("still alice");
        Assert.Equal("alice", (await alice.ExpectAsync("message")).GetProperty("data").GetProperty("sender").GetProperty("id").GetString());
    }

    [Fact]
    public async Task NonWebSocketRequests_AreRejected()
    {
        using var http = new HttpClient { Timeout = ChatTestClient.Timeout };
        var root = new Uri($"http://127.0.0.1:{_server.Port}");

        using var plain = await http.GetAsync(new Uri(root, "/ws"));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, plain.StatusCode);
        using var other = await http.GetAsync(new Uri(root, "/elsewhere"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, other.StatusCode);
    }

    private static async Task AssertStillOpenAsync(ChatTestClient client)
    {
        await client.SendHeartbeatAsync();
        Assert.Equal("pong", (await client.ExpectAsync("heartbeat")).GetProperty("message").GetString());
    }

    private static void AssertRecentTimestamp(JsonElement frame)
    {
        long timestamp = frame.GetProperty("timestamp").GetInt64();
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Assert.InRange(timestamp, now - 60_000, now + 60_000);
    }
}
