"""Make the bundled demo project's media: five product photos, a cut-out, a logo and a music loop.

Everything is drawn procedurally with numpy, OpenCV and Pillow, and the music is synthesised and
encoded with PyAV, from fixed seeds: nothing is downloaded and every run gives the same look.

- ``serum_studio.jpg``     an amber dropper bottle ("AURA" serum) on an off-white studio sweep
- ``gift_box.jpg``         the serum's carton in three-quarter view on a light grey sweep
- ``ceramic_mug.jpg``      a speckled, glazed stoneware mug on a warm beige backdrop
- ``wristwatch.jpg``       a steel wristwatch on a leather strap, from above, on blue-grey
- ``serum_lifestyle.jpg``  the serum bottle on a wooden table before a blurred window and plant
- ``serum_cutout.png``     the serum bottle alone on transparency
- ``aura_logo.png``        the "AURA" wordmark and mark, dark ink on transparency
- ``calm_loop.mp3``        a 12 s calm synth loop (80 bpm, I-V-vi-IV) that loops seamlessly

The outputs are committed under ``resources/demo/`` so that ``video-studio demo`` works offline
on a fresh machine; this package is how they were made and how to remake them::

    .venv/bin/python scripts/make_demo_assets.py [--out resources/demo] [--only NAME,...] [--jobs N]

Layout: ``canvas`` (shared drawing: colours, masks, blur, noise and grain, text, layers),
``studio`` (soft-box lighting, backdrops, contact shadows), ``lathe`` (surfaces of revolution),
``brand`` (the AURA mark and logo), one module per subject (``serum``, ``gift_box``, ``mug``,
``wristwatch``, ``lifestyle``), ``music``, ``assets`` (file name to maker) and ``__main__``
(the command line).

Remaking them needs the Noto CJK system fonts (Debian: fonts-noto-cjk); the app does not.
"""
