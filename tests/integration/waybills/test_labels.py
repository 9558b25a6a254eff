"""Labels (面单): the Code 128 barcode read back from the rendered page by a barcode reader, the
privacy masking, batch printing on A4, and a shipper's labels only."""

from __future__ import annotations

import pypdfium2 as pdfium
import zxingcpp
from fastapi.testclient import TestClient

from tests.support.world import World, waybill_payload


def _pages(content: bytes) -> list[pdfium.PdfPage]:
    pdf = pdfium.PdfDocument(content)
    return [pdf[i] for i in range(len(pdf))]


def _barcodes(page: pdfium.PdfPage) -> list[str]:
    image = page.render(scale=300 / 72).to_pil()  # a 300 dpi thermal printer
    return [
        r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.Code128
    ]


def _new(client: TestClient, world: World, **extra: object) -> str:
    made = client.post("/api/v1/waybills", json=waybill_payload(**extra),
                       headers=world.headers("shipper_c1"))  # fmt: skip
    assert made.status_code == 201, made.text
    return str(made.json()["number"])


def test_the_label_barcode_reads_back_and_names_and_phones_are_masked(
    client: TestClient, world: World
) -> None:
    number = _new(client, world, cod_amount="199.00", declared_value="500", contents="图书")
    label = client.get(f"/api/v1/waybills/{number}/label", headers=world.headers("shipper_c1"))
    assert label.status_code == 200 and label.headers["content-type"] == "application/pdf"
    (page,) = _pages(label.content)
    width, height = page.get_size()
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (100, 180)
    assert _barcodes(page) == [number, number]  # the label and the sender's stub
    text = page.get_textpage().get_text_range()
    assert "139****5678" in text and "13912345678" not in text  # 隐私面单
    assert "李*" in text and "李雷" not in text
    assert "代收货款" in text and "199.00" in text and "保价" in text
    assert "北京" in text  # the sort code (大头笔) starts with the destination province
    full = client.get(f"/api/v1/waybills/{number}/label?privacy=false",
                      headers=world.headers("agent"))  # fmt: skip
    assert "13912345678" in _pages(full.content)[0].get_textpage().get_text_range()


def test_batch_labels_print_two_to_an_a4_page_and_only_ones_own(
    client: TestClient, world: World
) -> None:
    numbers = [_new(client, world) for _ in range(3)]
    batch = client.post("/api/v1/waybills/labels", json={"numbers": numbers, "size": "a4"},
                        headers=world.headers("shipper_c1"))  # fmt: skip
    assert batch.status_code == 200
    pages = _pages(batch.content)
    assert len(pages) == 2
    width, height = pages[0].get_size()
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)
    found = _barcodes(pages[0]) + _barcodes(pages[1])
    assert sorted(set(found)) == sorted(numbers)
    other = client.post("/api/v1/waybills/labels", json={"numbers": numbers[:1]},
                        headers=world.headers("shipper_c2"))  # fmt: skip
    assert other.status_code == 404
    assert client.get(f"/api/v1/waybills/{numbers[0]}/label",
                      headers=world.headers("shipper_c2")).status_code == 404  # fmt: skip
    bad = client.get(f"/api/v1/waybills/{numbers[0]}/label?size=a5",
                     headers=world.headers("shipper_c1"))  # fmt: skip
    assert bad.status_code == 422 and "size" in bad.text
    assert client.post("/api/v1/waybills/labels", json={"numbers": []},
                       headers=world.headers("shipper_c1")).status_code == 422  # fmt: skip


def test_the_list_page_prints_the_ticked_waybills(client: TestClient, world: World) -> None:
    from tests.support.web_login import login

    numbers = [_new(client, world) for _ in range(2)]
    login(client, "shipper_c1")
    page = client.get("/waybills")
    assert 'name="n"' in page.text and "/waybills/labels.pdf" in page.text
    pdf = client.get("/waybills/labels.pdf", params={"n": numbers, "size": "thermal"})
    assert pdf.status_code == 200
    pages = _pages(pdf.content)
    assert [_barcodes(p)[0] for p in pages] == numbers
    assert client.get("/waybills/labels.pdf?size=a4").status_code == 422  # nothing ticked
    login(client, "shipper_c2")
    assert client.get("/waybills/labels.pdf", params={"n": numbers[:1]}).status_code == 404
